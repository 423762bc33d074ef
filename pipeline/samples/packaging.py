"""How documents become uploaded files: single images, scanned PDFs, PDFs with a text
layer, merged PDFs, long images, ID-card photocopies and phone photos.

Each writer takes the clean pages of its documents and the file's plan, degrades them
as that kind of upload is degraded in practice, and returns the page count written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pipeline.samples import degrade
from pipeline.samples.documents import DocSpec, render_layouts
from pipeline.samples.layout import A4, to_image, to_pdf

PACKAGINGS = ("image", "scanned_pdf", "text_pdf", "merged_pdf", "long_image", "id_both_sides",
              "phone_photo")


FILE_NAMES = {
    "id_card": ("身份证", "身份证复印件", "身份证正反面", "sfz"),
    "id_front": ("身份证正面", "身份证人像面", "sfz1"),
    "id_back": ("身份证反面", "身份证国徽面", "sfz2"),
    "diploma": ("毕业证", "毕业证书", "学历证书"),
    "degree": ("学位证", "学位证书"),
    "skill_certificate": ("职业技能等级证书", "技能证书", "职业资格证书", "高级工证书"),
    "title_certificate": ("职称证书", "专业技术资格证书", "职称证"),
    "examiner_card": ("考评员证", "考评员证卡", "证卡"),
    "work_certificate": ("工作证明", "工作证明（盖章）", "在职证明"),
    "recommendation_form": ("推荐表", "推荐表（盖章）", "申报表", "资格申报表"),
    "business_license": ("营业执照", "营业执照副本", "法人证书"),
    "application_letter": ("承诺书", "推荐函"),
    "photo": ("照片", "证件照", "小一寸照片"),
    "other": ("缴费凭证", "回执"),
}


def _name_for(spec: DocSpec, rng: random.Random) -> str:
    key = spec.doc_type
    if key == "id_card":
        key = "id_front" if spec.variant == "front" else "id_back"
    if key == "application_letter":
        return spec.variant
    return rng.choice(FILE_NAMES[key])


def generic_file_name(rng: random.Random, ext: str) -> str:
    d = dt.datetime(2026, rng.randint(1, 6), rng.randint(1, 28), rng.randint(8, 22), rng.randint(0, 59),
                    rng.randint(0, 59))
    kind = rng.randint(0, 4)
    if kind == 0:
        return f"IMG_{rng.randint(1000, 9999)}.{ext.upper() if ext == 'jpg' else ext}"
    if kind == 1:
        return f"微信图片_{d:%Y%m%d%H%M%S}.{ext}"
    if kind == 2:
        return f"扫描件{rng.randint(1, 30):03d}.{ext}"
    if kind == 3:
        return f"mmexport{int(d.timestamp() * 1000)}.{ext}"
    return f"CamScanner {d:%m-%d-%Y %H.%M}.{ext}"


def file_name(rng: random.Random, what: DocSpec | str, ext: str) -> str:
    """An upload's file name as applicants name them: the document's usual title, or now
    and then what a phone or scanner app called it."""
    if isinstance(what, str):
        base = rng.choice(FILE_NAMES[what])
    else:
        base = _name_for(what, rng)
    return f"{base}.{ext}" if rng.random() < 0.85 else generic_file_name(rng, ext)


@dataclass
class FilePlan:
    """One file to write: which of the applicant's documents go in, and how."""

    name: str
    packaging: str
    docs: list[int]  # indices into ApplicantSpec.docs, in file order
    fmt: str = "jpg"  # jpg png tif bmp webp pdf
    rotation: int = 0  # clockwise rotation of the stored pixels
    exif: bool = False  # rotation compensated by an EXIF Orientation tag only
    grey: bool = False  # photocopy look
    options: dict[str, object] = field(default_factory=dict)



def unique_names(plans: list[FilePlan]) -> None:
    """Make file names unique within a folder (case-insensitive, as Windows sees them):
    a repeated name gets (2), (3)… before its extension."""
    seen: set[str] = set()
    for p in plans:
        stem, _, ext = p.name.rpartition(".")
        n = 2
        while p.name.lower() in seen:
            p.name = f"{stem}({n}).{ext}"
            n += 1
        seen.add(p.name.lower())

def _pages(spec: DocSpec) -> list[Image.Image]:
    return [to_image(lay) for lay in render_layouts(spec)]


def write_file(plan: FilePlan, docs: list[DocSpec], path: Path, rng: random.Random) -> list[list[int]]:
    """Write one file; returns, per document of the plan, its 1-based pages in the file."""
    specs = [docs[i] for i in plan.docs]
    p = plan.packaging
    if p == "text_pdf":
        layouts = [lay for s in specs for lay in render_layouts(s)]
        to_pdf(layouts, path, title=path.stem)
        return _page_numbers(specs, [len(render_layouts(s)) for s in specs])
    if p in ("scanned_pdf", "merged_pdf"):
        images: list[Image.Image] = []
        counts = []
        for s in specs:
            pages = _pages(s)
            counts.append(len(pages))
            for pg in pages:
                if s.doc_type == "id_card":
                    pg = _on_a4(pg, rng)
                elif plan.options.get("on_a4") and pg.width > pg.height:
                    pg = _landscape_on_a4(pg, rng)
                img = degrade.scan(pg, rng, grey=plan.grey)
                images.append(degrade.rotate_cw(img, plan.rotation))
        stamp = dt.datetime(2026, 5, 1, 10, 0, 0).timetuple()  # fixed: equal seeds, equal bytes
        images[0].save(path, "PDF", resolution=200.0, save_all=True, append_images=images[1:],
                       quality=rng.randint(65, 88), creationDate=stamp, modDate=stamp,
                       title=path.stem, producer="Scanner")
        return _page_numbers(specs, counts)
    if p == "long_image":
        stack = desk_stack if plan.options.get("desk") else long_image
        img = stack([pg for s in specs for pg in _pages(s)], rng)
        degrade.save_image(degrade.rotate_cw(img, plan.rotation), path, "jpg", rng)
        return [[1] for _ in specs]
    if p == "id_both_sides":
        front, back = (_pages(s)[0] for s in specs[:2])
        img = id_both_sides(front, back, rng, grey=plan.grey)
        _save_rotated(img, plan, path, rng)
        return [[1] for _ in specs]
    if p == "phone_photo":
        img = degrade.phone_photo(_pages(specs[0])[0], rng, tilt=float(plan.options.get("tilt", 0.0)))
        _save_rotated(img, plan, path, rng, phone=True)
        return [[1]]
    # image: one document, one page
    s = specs[0]
    img = _pages(s)[0]
    if s.doc_type != "photo":
        # `straight`: a scan without skew, so that a defect's region stays where the layout put it
        img = degrade.scan(img, rng, grey=plan.grey, max_skew=0.0 if plan.options.get("straight") else 2.0)
        if plan.fmt == "bmp":  # real BMP uploads are small screenshots or low-dpi scans
            img = img.resize((img.width * 3 // 4, img.height * 3 // 4), Image.Resampling.LANCZOS)
    if s.doc_type == "photo":
        img.save(path, "JPEG", quality=int(plan.options.get("quality", 92)),  # type: ignore[call-overload]
                 subsampling=int(plan.options.get("subsampling", -1)))  # -1: Pillow's default
        return [[1]]
    _save_rotated(img, plan, path, rng)
    return [[1]]


def _page_numbers(specs: list[DocSpec], counts: list[int]) -> list[list[int]]:
    out, n = [], 1
    for c in counts:
        out.append(list(range(n, n + c)))
        n += c
    return out


def _save_rotated(img: Image.Image, plan: FilePlan, path: Path, rng: random.Random,
                  phone: bool = False) -> None:
    img = degrade.rotate_cw(img, plan.rotation)
    orient = degrade.EXIF_FOR_CW[plan.rotation] if plan.exif else None
    degrade.save_image(img, path, plan.fmt, rng, orient, phone)


def _on_a4(card: Image.Image, rng: random.Random) -> Image.Image:
    """An ID card scanned on an A4 flatbed: the card near the top-left of a white page."""
    page = Image.new("RGB", A4, "white")
    page.paste(card, (rng.randint(150, 500), rng.randint(150, 400)))
    return page


def _landscape_on_a4(doc: Image.Image, rng: random.Random) -> Image.Image:
    """A landscape certificate scanned on an A4 flatbed: near the top of a white page."""
    page = Image.new("RGB", A4, "white")
    width = A4[0] - rng.randint(200, 400)
    doc = doc.resize((width, round(doc.height * width / doc.width)), Image.Resampling.LANCZOS)
    page.paste(doc, ((A4[0] - width) // 2 + rng.randint(-40, 40), rng.randint(150, 400)))
    return page


def _backdrop(w: int, h: int, rng: random.Random) -> Image.Image:
    """A desk or a cloth under documents photographed one by one: a tinted gradient
    with grain, so that no row of the stitched image is blank."""
    import numpy as np

    base = np.array([rng.randint(60, 170) for _ in range(3)], dtype=np.float32)
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    wave = 25 * np.sin(ys * rng.uniform(8, 20) + xs * rng.uniform(1, 4))
    grain = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 8, (h, w, 1)).astype(np.float32)
    arr = np.clip(base[None, None, :] + wave + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def desk_stack(pages: list[Image.Image], rng: random.Random, width: int = 1240) -> Image.Image:
    """Photos of documents lying on a desk, stitched top to bottom by a phone app: each
    document on its own backdrop, so there is no blank band between them (only the text
    tells where one ends)."""
    scaled = [pg.resize((width, round(pg.height * width / pg.width)), Image.Resampling.LANCZOS)
              for pg in pages]
    margin = rng.randint(40, 90)
    tiles = []
    for s in scaled:
        tile = _backdrop(width + 2 * margin, s.height + 2 * margin, rng)
        tile.paste(degrade.scan(s, rng, max_skew=0.0), (margin, margin))
        tiles.append(tile)
    out = Image.new("RGB", (width + 2 * margin, sum(t.height for t in tiles)), "white")
    y = 0
    for t in tiles:
        out.paste(t, (0, y))
        y += t.height
    return out


def long_image(pages: list[Image.Image], rng: random.Random, width: int = 1240) -> Image.Image:
    """Pages stacked top to bottom at one width with white gaps, as phone apps merge them."""
    scaled = [pg.resize((width, round(pg.height * width / pg.width)), Image.Resampling.LANCZOS)
              for pg in pages]
    gap = rng.randint(30, 80)
    H = sum(s.height for s in scaled) + gap * (len(scaled) + 1)
    out = Image.new("RGB", (width + 2 * gap, H), "white")
    y = gap
    for s in scaled:
        out.paste(degrade.scan(s, rng, max_skew=0.0), (gap, y))
        y += s.height + gap
    return out


def id_both_sides(front: Image.Image, back: Image.Image, rng: random.Random, grey: bool = True) -> Image.Image:
    """Both ID sides on one A4 photocopy: portrait side above, emblem side below."""
    page = Image.new("RGB", A4, "white")
    x = (A4[0] - front.width) // 2 + rng.randint(-60, 60)
    page.paste(front, (x, rng.randint(380, 520)))
    page.paste(back, (x + rng.randint(-20, 20), rng.randint(1150, 1300)))
    return degrade.scan(page, rng, grey=grey, max_skew=1.0)
