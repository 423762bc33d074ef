"""Seal detection and the seal check on pages drawn by the project's generator: where a
seal was stamped (the layout's SealOp, or draw_seal's returned box) is the truth."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.context import ApplicantContext
from pipeline.page_facts import fill_context
from pipeline.profile import load_profile
from pipeline.samples import degrade
from pipeline.samples.documents import build_doc, render_layouts
from pipeline.samples.layout import A4, SealOp, to_image
from pipeline.samples.people import make_person
from pipeline.samples.photos import make_id_photo
from pipeline.samples.seals import INK_STYLES, draw_seal, seal_mask
from pipeline.seals import detect_seals, seal_in_region
from pipeline.types import BatchFile, DocType, Document, FileKind, Page, PageText, Region, Seal
from validators.seal import check

Box = tuple[float, float, float, float]


def iou(a: Box, b: Box) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def render(doc_type: str, seed: int, sealed: bool = True, profile: str = "gd-supervisor") -> tuple[Image.Image, list[Box]]:
    """The sealed page of a generated document and its seals' boxes (ring = radius)."""
    rng = random.Random(seed)
    spec = build_doc(doc_type, make_person(rng), random.Random(seed), profile)
    if not sealed:
        spec.seal = None
    layouts = render_layouts(spec)
    lay = next((lay for lay in layouts if any(isinstance(o, SealOp) for o in lay.ops)), layouts[-1])
    boxes = [(o.cx - o.radius, o.cy - o.radius, o.cx + o.radius, o.cy + o.radius)
             for o in lay.ops if isinstance(o, SealOp)]
    return to_image(lay), boxes


def degraded(img: Image.Image, mode: str, seed: int) -> Image.Image:
    rng = random.Random(seed)
    if mode == "clean":
        return img
    if mode == "phone":
        return degrade.phone_photo(img, rng)
    return degrade.scan(img, rng, grey=mode == "grey", max_skew=0.0)  # no skew: boxes stay put


SEALED = ["work_certificate", "recommendation_form", "business_license", "application_letter", "diploma"]


@pytest.mark.parametrize("mode", ["clean", "scan", "grey", "phone"])
@pytest.mark.parametrize("doc_type", SEALED)
def test_finds_the_stamped_seal(doc_type: str, mode: str) -> None:
    img, truth = render(doc_type, 3)
    seals = detect_seals(np.asarray(degraded(img, mode, 5)))
    assert len(seals) == len(truth) == 1, seals
    s = seals[0]
    assert s.shape == "round"
    assert s.color == ("black" if mode == "grey" else "red")
    if mode != "phone":  # a phone photo moves the page
        assert iou(s.bbox, truth[0]) >= 0.5
    assert s.confidence >= (0.5 if mode == "grey" else 0.8)


def test_box_matches_draw_seal_and_several_per_page() -> None:
    page = Image.new("RGB", A4, "white")
    rng = random.Random(1)
    a = draw_seal(page, (500, 700), 160, "广州某某科技有限公司", rng)
    b = draw_seal(page, (1150, 1700), 150, "成都恒通教育咨询有限公司", rng, color="blue", inner_text="人事专用章")
    seals = sorted(detect_seals(np.asarray(page), page=2), key=lambda s: s.bbox[1])
    assert [s.color for s in seals] == ["red", "blue"]
    assert iou(seals[0].bbox, a) >= 0.7 and iou(seals[1].bbox, b) >= 0.7
    assert all(s.page == 2 and s.shape == "round" for s in seals)
    assert seal_in_region(seals, (0, 0, 827, 1170)) == [seals[0]]


def test_half_seal_on_the_edge_is_other_with_lower_confidence() -> None:
    page = Image.new("RGB", A4, "white")
    draw_seal(page, (A4[0] - 20, 1000), 160, "广州某某科技有限公司", random.Random(2))  # 骑缝章
    draw_seal(page, (600, 1000), 160, "广州某某科技有限公司", random.Random(3))
    seals = sorted(detect_seals(np.asarray(page)), key=lambda s: s.bbox[0])
    assert [s.shape for s in seals] == ["round", "other"]
    assert seals[1].confidence < seals[0].confidence


@pytest.mark.parametrize("mode", ["clean", "scan", "grey", "phone"])
@pytest.mark.parametrize("doc_type", ["work_certificate", "diploma", "degree", "skill_certificate",
                                      "title_certificate", "business_license", "recommendation_form"])
def test_no_seal_no_detection_even_on_red_decorated_pages(doc_type: str, mode: str) -> None:
    """Pink guilloche backgrounds, red frames, the red emblem, photos: none is a seal."""
    img, truth = render(doc_type, 4, sealed=False)
    assert truth == []
    assert detect_seals(np.asarray(degraded(img, mode, 6))) == []


@pytest.mark.parametrize("side", ["front", "back"])
def test_id_card_emblem_is_not_a_seal(side: str) -> None:
    spec = build_doc("id_card", make_person(random.Random(1)), random.Random(1), variant=side)
    img = to_image(render_layouts(spec)[0])
    assert detect_seals(np.asarray(img)) == []
    assert detect_seals(np.asarray(degrade.phone_photo(img, random.Random(2)))) == []


@pytest.mark.parametrize("background", ["white", "red", "blue"])
def test_photos_are_not_seals(background: str) -> None:
    for seed in range(4):
        assert detect_seals(np.asarray(make_id_photo(seed, (413, 579), background))) == []


@pytest.mark.slow
def test_precision_recall_on_a_generated_batch(tmp_path: Path) -> None:
    """Every page of every file of a generated batch against truth.json's seals."""
    from pipeline.ingest import ingest
    from pipeline.render import render_file
    from pipeline.samples.generator import generate_batch

    truth = generate_batch(tmp_path, 10, seed=11, profile="gd-supervisor")
    batch = ingest(tmp_path / "batch", tmp_path / "work")
    files = {f.rel_path: f for a in batch.applicants for f in a.files}
    tp = fp = fn = 0
    for applicant in truth["applicants"]:
        for tf in applicant["files"]:
            expected = sum(len(d["seals"]) for d in tf["documents"])
            pages, _ = render_file(files[tf["path"]], tmp_path / "work", dpi=200)
            found = sum(len(detect_seals(np.asarray(Image.open(p.image_path).convert("RGB")), p.number))
                        for p in pages)
            tp += min(expected, found)
            fp += max(0, found - expected)
            fn += max(0, expected - found)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"seals: tp={tp} fp={fp} fn={fn} precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.97 and recall >= 0.97


# ---------------------------------------------------------------- the check


def context(tmp_path: Path, img: Image.Image, doc_type: DocType = DocType.WORK_CERTIFICATE,
            detect: bool = True, profile: str = "gd-supervisor") -> ApplicantContext:
    """One applicant with one document on one page; seals filled by the detector as the
    runner will (or left empty, to check the validator looks itself)."""
    path = tmp_path / "page.png"
    img.save(path)
    region = Region(bbox=(0, 0, img.width, img.height))
    page = Page(file="a/doc.png", number=1, image_path=str(path), width=img.width, height=img.height)
    seals = detect_seals(np.asarray(img)) if detect else []
    doc = Document(file="a/doc.png", pages=[1], type=doc_type, type_confidence=0.9, seals=seals,
                   texts=[PageText(file="a/doc.png", page=1, region=region, engine="test")])
    f = BatchFile(rel_path="a/doc.png", path=str(path), size=path.stat().st_size, sha256="0", kind=FileKind.PNG)
    return fill_context(ApplicantContext(key="a", documents=[doc], files=[f], profile=load_profile(profile),
                                         batch_date=date(2026, 6, 30), pages=[page]))


def codes(ctx: ApplicantContext) -> list[str]:
    return [f.code for f in check(ctx)]


@pytest.mark.parametrize("detect", [True, False])
def test_seal_missing_only_without_a_seal(tmp_path: Path, detect: bool) -> None:
    sealed, _ = render("work_certificate", 7)
    bare, _ = render("work_certificate", 7, sealed=False)
    assert codes(context(tmp_path, sealed, detect=detect)) == []
    assert codes(context(tmp_path, bare, detect=detect)) == ["SEAL_MISSING"]


@pytest.mark.slow
def test_seal_missing_less_sure_on_a_grey_photocopy(tmp_path: Path) -> None:
    """A form with a colour photo on it: surely a colour scan, so a missing red seal is
    surely missing; its grey photocopy could hide a faint seal."""
    bare, _ = render("recommendation_form", 8, sealed=False)
    colour = check(context(tmp_path, bare, DocType.RECOMMENDATION_FORM))
    grey = check(context(tmp_path, degrade.scan(bare, random.Random(1), grey=True), DocType.RECOMMENDATION_FORM))
    assert [f.code for f in colour] == [f.code for f in grey] == ["SEAL_MISSING"]
    assert colour[0].confidence >= 0.85 and grey[0].confidence <= 0.7


def test_unsealed_types_are_not_checked(tmp_path: Path) -> None:
    bare, _ = render("diploma", 7, sealed=False)
    assert codes(context(tmp_path, bare, DocType.DIPLOMA)) == []


@pytest.mark.slow
def test_business_licence_sealed_in_organisation_profiles(tmp_path: Path) -> None:
    bare, _ = render("business_license", 7, sealed=False, profile="gd-org-filing")
    assert codes(context(tmp_path, bare, DocType.BUSINESS_LICENSE, profile="gd-org-filing")) == ["SEAL_MISSING"]
    assert codes(context(tmp_path, bare, DocType.BUSINESS_LICENSE)) == []


def _pasted(img: Image.Image, center: tuple[int, int], radius: int) -> Image.Image:
    """A seal pasted in as one flat red (an image editor's stamp), JPEG-saved afterwards."""
    m = seal_mask(radius, "成都恒通教育咨询有限公司", random.Random(1)).point(lambda v: 255 if v > 128 else 0)
    out = img.copy()
    out.paste(Image.new("RGB", m.size, (220, 20, 30)), (center[0] - m.width // 2, center[1] - m.height // 2), m)
    return degrade.jpeg_roundtrip(out, 80)


@pytest.mark.slow
def test_flat_pasted_seal_is_suspicious(tmp_path: Path) -> None:
    bare, _ = render("work_certificate", 9, sealed=False)
    pasted = _pasted(bare, (1224, 1400), 160)
    found = check(context(tmp_path, pasted))
    assert [f.code for f in found] == ["SEAL_SUSPICIOUS"]
    stamped, _ = render("work_certificate", 9)
    for mode in ("clean", "scan"):
        assert codes(context(tmp_path, degrade.jpeg_roundtrip(degraded(stamped, mode, 2), 75))) == []


def _inked(doc_type: str, seed: int, ink: str) -> Image.Image:
    """The sealed page of a generated document stamped with one of the generator's inks."""
    spec = build_doc(doc_type, make_person(random.Random(seed)), random.Random(seed), "gd-supervisor")
    spec.extra["seal_ink"] = ink
    lay = next(lay for lay in render_layouts(spec) if any(isinstance(o, SealOp) for o in lay.ops))
    return to_image(lay)


@pytest.mark.parametrize("ink", sorted(INK_STYLES))
@pytest.mark.slow
def test_stamped_inks_are_not_suspicious(tmp_path: Path, ink: str) -> None:
    """Evenly inked, uneven, speckled, grainy or bled stamps, clean or scanned, saved at
    several JPEG qualities: a stamp, however flat its ink, has a soft edge."""
    page = _inked("work_certificate", 9, ink)
    for mode in ("clean", "scan"):
        img = page if mode == "clean" else degrade.scan(page, random.Random(3), max_skew=0.0)
        for q in (60, 75, 95):
            ctx = context(tmp_path, degrade.jpeg_roundtrip(img, q))
            assert ctx.documents[0].seals, (mode, q)
            assert codes(ctx) == [], (mode, q)


@pytest.mark.slow
def test_pasted_seal_suspicious_at_any_jpeg_quality(tmp_path: Path) -> None:
    """Flat colour with a hard edge, on a clean or scanned page, whatever the JPEG
    quality of the saved file: surely pasted, said with a confidence above a guess."""
    bare, _ = render("work_certificate", 9, sealed=False)
    for mode in ("clean", "scan"):
        for q in (60, 75, 95):
            pasted = degrade.jpeg_roundtrip(_pasted(degraded(bare, mode, 2), (1224, 1400), 160), q)
            found = check(context(tmp_path, pasted))
            assert [f.code for f in found] == ["SEAL_SUSPICIOUS"], (mode, q)
            assert found[0].confidence >= 0.7


@pytest.mark.parametrize("ink,seed", [("even", 12), ("grainy", 11), ("even", 9)])
@pytest.mark.slow
def test_stamps_on_coarse_pages_are_not_suspicious(tmp_path: Path, ink: str, seed: int) -> None:
    """A page saved at 60-70 % of 200 dpi (seal radius ~100-115 px), lossless: a stamp's
    blur is then under a pixel and its edge looks crisp, so crispness must be judged
    against the seal's size. A pasted seal on the same coarse page is still suspicious."""
    page = _inked("work_certificate", seed, ink)
    for f in (0.6, 0.7):
        small = page.resize((int(page.width * f), int(page.height * f)), Image.Resampling.LANCZOS)
        ctx = context(tmp_path, small)
        assert ctx.documents[0].seals, f
        assert codes(ctx) == [], f
    bare, _ = render("work_certificate", seed, sealed=False)
    small = bare.resize((int(bare.width * 0.6), int(bare.height * 0.6)), Image.Resampling.LANCZOS)
    assert codes(context(tmp_path, _pasted(small, (734, 840), 96))) == ["SEAL_SUSPICIOUS"]


def test_variety_stamps_with_several_inks() -> None:
    """With variety on, sealed documents carry ink styles of their own rng; the people and
    their documents are the same as without (other varieties may change how a document
    prints a field, never who or what it is)."""
    from pipeline.samples.generator import plan_batch

    plain = plan_batch(6, seed=3, profile="gd-supervisor")
    varied = plan_batch(6, seed=3, profile="gd-supervisor", variety=True)
    inks = [d.extra.get("seal_ink") for a in varied.applicants for d in a.docs if d.seal is not None]
    assert inks and None not in inks and len(set(inks)) >= 3
    assert not any("seal_ink" in d.extra for a in plain.applicants for d in a.docs)
    assert [(a.key, a.person.id_number, [d.doc_type for d in a.docs]) for a in plain.applicants] == \
        [(a.key, a.person.id_number, [d.doc_type for d in a.docs]) for a in varied.applicants]


def test_black_seal_on_a_colour_scan_is_suspicious(tmp_path: Path) -> None:
    bare, _ = render("work_certificate", 9, sealed=False)
    page = bare.copy()
    draw_seal(page, (1224, 1400), 160, "成都恒通教育咨询有限公司", random.Random(4), color="black")
    ctx = context(tmp_path, page, detect=False)
    ctx.documents[0].seals = [Seal(page=1, bbox=(1060, 1236, 1388, 1564), shape="round", color="black",
                                   confidence=0.6)]
    red = Image.new("RGB", (1400, 80), (200, 30, 40))  # a red letterhead: the scan is in colour
    page.paste(red, (100, 100))
    page.save(ctx.pages[0].image_path)
    assert "SEAL_SUSPICIOUS" in codes(fill_context(ctx))  # the page's facts read again: it changed


def test_oval_and_square_seals() -> None:
    """An invoice seal (oval) and a personal name seal (square), drawn as ink outlines."""
    from PIL import ImageDraw

    from pipeline.samples.fonts import font

    page = Image.new("RGB", A4, "white")
    d = ImageDraw.Draw(page)
    d.ellipse((200, 300, 560, 560), outline=(205, 40, 45), width=9)
    d.text((380, 430), "发票专用章", font=font(40), fill=(205, 40, 45), anchor="mm")
    d.rectangle((900, 300, 1180, 580), outline=(205, 40, 45), width=10)
    d.text((1040, 440), "张三之印", font=font(60), fill=(205, 40, 45), anchor="mm")
    seals = sorted(detect_seals(np.asarray(page)), key=lambda s: s.bbox[0])
    assert [s.shape for s in seals] == ["oval", "square"]
    assert iou(seals[0].bbox, (200, 300, 560, 560)) >= 0.8 and iou(seals[1].bbox, (900, 300, 1180, 580)) >= 0.8


@pytest.mark.parametrize(("size", "radius"), [(200, 90), (420, 200), (900, 420)])
def test_a_seal_that_fills_the_image_is_found(size: int, radius: int) -> None:
    """A close-up: the uploaded image is the seal (a cropped stamp, a photo of it). Its
    rim's straightest runs are as long as a page's rules at that scale, so the rules
    filter used to cut the ring into pieces and nothing was found (0 of 24 real
    close-ups). With a stroke of the page's date running under its bottom as well."""
    img = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(img).line([(0, int(size * 0.8)), (size, int(size * 0.8))], fill=(40, 40, 40), width=3)
    box = draw_seal(img, (size // 2, size // 2), radius, "东莞市市场监督管理局", random.Random(size))
    seals = detect_seals(np.asarray(img))
    assert len(seals) == 1
    assert seals[0].shape == "round" and seals[0].color == "red"
    assert iou(seals[0].bbox, box) >= 0.7
