"""Seal, photo and forgery defects: the checks a tired reviewer misses (issue 4).

Registered in `pipeline.samples.defects` (DEFECTS / INJECTORS) as the `forgery`
family, dealt only when asked (`plan_batch(..., defect_family="forgery" | "all")`), so
batches of the rule defects stay exactly as they were.

Most defects edit the document spec before rendering (no seal, another organisation's
seal, a seal moved over a text line, a photo with another background, colour, size or
subject). Four need the written file, as the forger has it:

- `pasted_seal`: the document rendered without its seal, scanned, then a flat-colour,
  hard-edged seal pasted onto the scan and the scan saved again;
- `pasted_field`: a field of a certificate covered by a patch typed in another image
  (flat background, larger type, its own JPEG compression), the page saved again;
- `same_page`: another applicant's written page image, resized and re-compressed;
- `photo_oversize`: a huge, grainy photo saved at JPEG quality 100.

Those documents get a file of their own, a straight JPEG scan (`FilePlan.options`
"straight": no skew, no rotation), so that the edited region lies in the file's pixels
exactly where the layout put it; truth.json records it in those pixels. The edits run
in `post_render` (per file, right after writing) and `copy_pages` (per batch, once every
applicant is written), both called by the generator only when a plan asks for them.

What truth.json gains per document (beside `expected_findings`):
- `seals[]`: `page`, `bbox` (ring box in the document's clean page pixels), `page_size`
  for every seal; `pasted: true` on a pasted one;
- `seal_expected`: the organisation a foreign seal should have named, `seal_foreign`:
  "employer" (another employer of the batch) or "look_alike" (same city and kind,
  another name);
- `seal_over_text`: the text lines under a moved seal, with `bbox`, `covered_text`,
  `covered_bbox` in file pixels (page 1 of the file);
- `tampered`: the pasted field region (`field`, `text`, `page`, `bbox`, `patch_quality`);
- `copied_from`: for `same_page`, the file it was copied from.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from pipeline.profile import Profile
from pipeline.samples.documents import DocSpec, cn_date, cn_date_upper, photo_size, render_layouts
from pipeline.samples.fonts import font
from pipeline.samples.layout import Layout, SealOp, TextOp
from pipeline.samples.packaging import FilePlan, file_name, unique_names
from pipeline.samples.people import COLLEGE_SUFFIX, EMPLOYER_KINDS, EMPLOYER_STEMS, make_org
from pipeline.samples.photos import PHOTO_SIZES
from pipeline.samples.seals import seal_mask
from validators.common import distance

# kind -> (code, subject); seal_over_text expects no finding (it measures OCR under seals).
FORGERY_DEFECTS: dict[str, tuple[str | None, str | None]] = {
    "no_seal": ("SEAL_MISSING", None),  # subject: the document type
    "foreign_seal": ("SEAL_TEXT_MISMATCH", None),
    "pasted_seal": ("SEAL_SUSPICIOUS", None),
    "seal_over_text": (None, None),
    "photo_background": ("PHOTO_BACKGROUND", "photo"),
    "photo_grey": ("PHOTO_NOT_COLOR", "photo"),
    "photo_aspect": ("PHOTO_SIZE", "photo"),
    "photo_not_face": ("PHOTO_FACE", "photo"),
    "photo_oversize": ("PHOTO_FILE_TOO_LARGE", "photo"),
    "same_photo": ("DUPLICATE_PHOTO_IN_BATCH", "photo"),
    "same_page": ("DUPLICATE_FILE_IN_BATCH", None),
    "pasted_field": ("TAMPER_SUSPECTED", None),  # subject: the field
}
FORGERY_PAIR_KINDS = {"same_photo", "same_page"}
# Contract profiles.md: every document an organisation issues or signs bears a seal.
ALWAYS_SEALED = ("work_certificate", "recommendation_form", "application_letter")
ISSUER_FIELDS = ("employer", "org_name")  # who a work certificate / form / letter is from
CERT_TYPES = ("skill_certificate", "title_certificate", "diploma", "degree", "examiner_card")
SEAL_OVER_TYPES = ("work_certificate", "skill_certificate", "title_certificate", "examiner_card")
SAME_PAGE_TYPES = ("work_certificate", *CERT_TYPES)
SINGLE_PAGE_FORMS = ("gd", "sc-sup")  # recommendation-form variants that fit one page


# ---------------------------------------------------------------- which applicants


def sealed_types(prof: Profile) -> set[str]:
    """Document types the seal check requires a seal on (as validators.seal does)."""
    types = {t.value for t in prof.sealed} | set(ALWAYS_SEALED)
    if prof.subject == "organisation":
        types.add("business_license")
    return types


def forgery_kinds(prof: Profile) -> list[str]:
    """The forgery kinds that the profile's rules turn into findings (photo kinds only
    where the profile's photo rule asks that property), plus seal_over_text."""
    kinds = ["no_seal", "foreign_seal", "pasted_seal", "seal_over_text"]
    rule = prof.photo
    if rule is not None:
        if rule.background != "any":
            kinds.append("photo_background")
        if rule.color:
            kinds.append("photo_grey")
        if rule.format is not None:
            kinds.append("photo_aspect")
        kinds.append("photo_not_face")
        if rule.max_bytes is not None:
            kinds.append("photo_oversize")
    if prof.subject != "organisation":
        kinds += ["same_photo", "same_page"]
    kinds.append("pasted_field")
    return kinds


def _planned(a: Any) -> list[tuple[int, DocSpec]]:
    """(index, spec) of the documents that will be written."""
    seen = sorted({i for plan in a.files for i in plan.docs})
    return [(i, a.docs[i]) for i in seen]


def _single_page(d: DocSpec) -> bool:
    return not (d.doc_type == "recommendation_form" and d.variant not in SINGLE_PAGE_FORMS)


def _photo(a: Any) -> tuple[int, DocSpec] | None:
    return next(((i, d) for i, d in _planned(a) if d.doc_type == "photo"), None)


def _candidates(kind: str, a: Any, prof: Profile) -> list[tuple[int, DocSpec]]:
    """The documents of `a` that can carry the defect, best first."""
    docs = _planned(a)
    must = sealed_types(prof)
    if kind == "no_seal":
        out = [(i, d) for i, d in docs if d.seal and d.doc_type in must]
    elif kind == "foreign_seal":
        out = [(i, d) for i, d in docs if d.seal and d.doc_type in must and _issuer(d)]
    elif kind == "pasted_seal":
        out = [(i, d) for i, d in docs if d.seal and d.doc_type in must and _single_page(d)]
    elif kind == "seal_over_text":
        out = [(i, d) for i, d in docs if d.seal and d.doc_type in SEAL_OVER_TYPES and _target_line(d)]
    elif kind == "pasted_field":
        out = [(i, d) for i, d in docs if d.doc_type in CERT_TYPES and _field_ops(d)]
    elif kind == "same_page":
        out = [(i, d) for i, d in docs if d.doc_type in SAME_PAGE_TYPES and "name" in d.fields]
    else:
        return []
    order = {"work_certificate": 0, "recommendation_form": 1}
    return sorted(out, key=lambda x: order.get(x[1].doc_type, 2))


def forgery_applies(kind: str, a: Any, prof: Profile) -> bool:
    """Whether this applicant's documents let the defect show."""
    if a.org_filing and kind in ("same_photo", "same_page", "seal_over_text"):
        return False
    if kind.startswith("photo_") or kind == "same_photo":
        return _photo(a) is not None
    return bool(_candidates(kind, a, prof))


def pair_applies(kind: str, a: Any, b: Any, prof: Profile) -> bool:
    """Whether `b` can be `a`'s partner: a photo to replace; another name on the page."""
    if kind == "same_photo":
        return _photo(b) is not None
    if kind == "same_page":
        return b.person.name != a.person.name and not b.org_filing
    return True


def _pick(cands: list[tuple[int, DocSpec]], rng: random.Random) -> tuple[int, DocSpec]:
    """The best kind of document, one of them at random."""
    best = [c for c in cands if c[1].doc_type == cands[0][1].doc_type]
    return rng.choice(best)


def _expect(a: Any, kind: str, subject: str | None, **more: Any) -> None:
    code = FORGERY_DEFECTS[kind][0]
    if code is not None:
        a.expected_findings.append({"code": code, "subject": subject, "defect": kind, **more})


def _issuer(d: DocSpec) -> str | None:
    return next((d.fields[k] for k in ISSUER_FIELDS if d.fields.get(k)), None)


# ---------------------------------------------------------------- geometry of the layouts


def text_box(op: TextOp, start: int = 0, end: int | None = None) -> tuple[float, float, float, float]:
    """Pixel box of characters [start, end) of a text operation, as Pillow draws it."""
    f = font(op.size, op.style)
    end = len(op.text) if end is None else end
    full = f.getlength(op.text)
    x = op.x - (full / 2 if op.anchor[0] == "m" else full if op.anchor[0] == "r" else 0.0)
    _, top, _, bottom = f.getbbox(op.text or " ", anchor="ls")
    return (x + f.getlength(op.text[:start]), op.y + top, x + f.getlength(op.text[:end]), op.y + bottom)


def _seal_page(layouts: list[Layout]) -> tuple[int, SealOp] | None:
    for i, lay in enumerate(layouts):
        for op in lay.ops:
            if isinstance(op, SealOp):
                return i, op
    return None


def _target_line(d: DocSpec) -> tuple[int, TextOp, int, str] | None:
    """(page, text op, start, value): the name or ID number as printed on the seal's page."""
    layouts = render_layouts(d)
    found = _seal_page(layouts)
    if found is None:
        return None
    page, _ = found
    for key in ("id_number", "name"):
        value = str(d.fields.get(key) or "")
        if len(value) < 2:
            continue
        for op in layouts[page].ops:
            if isinstance(op, TextOp) and value in op.text:
                return page, op, op.text.index(value), value
    return None


def _printed(d: DocSpec, field: str) -> list[str]:
    value = d.fields.get(field)
    if not value:
        return []
    if field == "issue_date":
        return [cn_date(value), cn_date_upper(value)]
    return [str(value)]


def _field_ops(d: DocSpec) -> list[tuple[str, int, TextOp]]:
    """(field, page, op) of fields printed as a text operation of their own (a value
    cell of a certificate), so that a pasted patch covers nothing else."""
    out = []
    layouts = render_layouts(d)
    for field in ("name", "issue_date"):
        texts = _printed(d, field)
        hit = next(((i, op) for i, lay in enumerate(layouts) for op in lay.ops
                    if isinstance(op, TextOp) and op.text.strip() in texts), None)
        if hit:
            out.append((field, hit[0], hit[1]))
    return out


def covered_lines(layout: Layout, cx: float, cy: float, radius: float) -> list[dict[str, Any]]:
    """Text lines of a page that a seal of that centre and radius lies on: the whole
    line and the characters whose centre is inside the seal's disc."""
    out = []
    for op in layout.ops:
        if not isinstance(op, TextOp) or not op.text.strip():
            continue
        x0, y0, x1, y1 = text_box(op)
        if y1 < cy - radius or y0 > cy + radius:
            continue
        ym = (y0 + y1) / 2
        half = (radius**2 - (ym - cy) ** 2) ** 0.5 if abs(ym - cy) < radius else 0.0
        idx = [k for k in range(len(op.text))
               if abs((text_box(op, k, k + 1)[0] + text_box(op, k, k + 1)[2]) / 2 - cx) <= half]
        covered = "".join(op.text[k] for k in idx)
        if len(covered.strip()) < 2:
            continue
        cb = text_box(op, idx[0], idx[-1] + 1)
        out.append({"text": op.text, "bbox": [round(v) for v in (x0, y0, x1, y1)],
                    "covered_text": covered, "covered_bbox": [round(v) for v in cb]})
    return out


# ---------------------------------------------------------------- files


def _isolate(a: Any, i: int, rng: random.Random, straight: bool = True) -> FilePlan:
    """Give document i a JPEG image file of its own, unrotated and (straight) unskewed,
    so that its page is the file's pixels."""
    plan = next(p for p in a.files if i in p.docs)
    if len(plan.docs) > 1:
        plan.docs.remove(i)
        plan = FilePlan(file_name(rng, a.docs[i], "jpg"), "image", [i], "jpg")
        a.files.append(plan)
    elif plan.fmt != "jpg" or plan.packaging != "image":
        stem = plan.name.rpartition(".")[0] or plan.name
        plan.name = f"{stem}.jpg"
    plan.packaging, plan.fmt, plan.rotation, plan.exif, plan.grey = "image", "jpg", 0, False, False
    if straight:
        plan.options = {**plan.options, "straight": True}
    unique_names(a.files)
    return plan


def _add_post(plan: FilePlan, op: str, doc: int) -> None:
    plan.options = {**plan.options, "post": [*plan.options.get("post", []), {"op": op, "doc": doc}]}  # type: ignore[list-item]


def post_render(plan: FilePlan, docs: list[DocSpec], path: Path, rng: random.Random) -> None:
    """Edit a written image file as the forger does, then save it again as JPEG."""
    img = Image.open(path).convert("RGB")
    for step in plan.options.get("post", []):  # type: ignore[attr-defined]
        spec = docs[step["doc"]]
        if step["op"] == "paste_seal":
            img = paste_seal(img, spec.extra["paste_seal"], rng)
        elif step["op"] == "paste_field":
            img = paste_field(img, spec.extra["paste_field"])
        else:
            raise ValueError(f"unknown post-render step {step['op']!r}")
    img.save(path, "JPEG", quality=rng.randint(85, 95))


def paste_seal(img: Image.Image, p: dict[str, Any], rng: random.Random) -> Image.Image:
    """A seal image pasted in an editor: one flat colour, alpha cut hard at 50 %, opaque
    over the text (no multiply: the text under it disappears)."""
    mask = seal_mask(int(p["radius"]), p["org_name"], random.Random(p["angle_seed"]), p.get("inner_text"))
    mask = mask.point(lambda v: 255 if v > 128 else 0)
    out = img.copy()
    out.paste(Image.new("RGB", mask.size, tuple(p["rgb"])),
              (int(p["cx"] - mask.width / 2), int(p["cy"] - mask.height / 2)), mask)
    return out


def paste_field(img: Image.Image, p: dict[str, Any]) -> Image.Image:
    """A field covered by a patch from another image: flat paper colour (the printed
    background pattern is gone), type a little larger and lower, JPEG-compressed on its
    own at a low quality before it was pasted."""
    x0, y0, x1, y1 = (int(v) for v in p["bbox"])
    region = np.asarray(img.crop((x0, y0, x1, y1)), np.float32).reshape(-1, 3)
    light = region[region.mean(axis=1) >= np.percentile(region.mean(axis=1), 60)]
    paper = tuple(int(v) for v in np.median(light, axis=0))
    patch = Image.new("RGB", (x1 - x0, y1 - y0), paper)
    d = ImageDraw.Draw(patch)
    d.text((p["x"] - x0, p["y"] - y0 + p["dy"]), p["text"], font=font(int(p["size"] * p["scale"]), p["style"]),
           fill=tuple(p["ink"]), anchor="ls")
    buf = io.BytesIO()
    patch.save(buf, "JPEG", quality=int(p["quality"]))
    out = img.copy()
    out.paste(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), (x0, y0))
    return out


def copy_pages(spec: Any, batch_dir: Path) -> None:
    """Files one applicant took from another's folder: the source's written image,
    resized and saved again at another JPEG quality."""
    for a in spec.applicants:
        for plan in a.files:
            src = plan.options.get("copy_from")
            if not src:
                continue
            img = Image.open(batch_dir / src["path"]).convert("RGB")
            w, h = img.size
            s = float(src["scale"])
            img = img.resize((round(w * s), round(h * s)), Image.Resampling.LANCZOS)
            img.save(batch_dir / a.key / plan.name, "JPEG", quality=int(src["quality"]))


# ---------------------------------------------------------------- the defects


def _no_seal(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A document that must be sealed, handed in without its seal."""
    _, doc = _pick(_candidates("no_seal", a, prof), rng)
    doc.seal = None
    _expect(a, "no_seal", doc.doc_type)


def _look_alike(issuer: str, region: Any, rng: random.Random) -> str:
    """Another organisation of the same city and kind: 广州华粤科技有限公司 ->
    广州恒通科技有限公司 (a real company's name, not an OCR slip of the issuer's)."""
    city = region.city.rstrip("市")
    kind = next((k for k in (*EMPLOYER_KINDS, *COLLEGE_SUFFIX) if issuer.endswith(k)), None)
    if kind and issuer.startswith(city):
        stem = issuer[len(city): len(issuer) - len(kind)]
        others = [s for s in EMPLOYER_STEMS if s != stem and not set(s) & set(stem)]
        return f"{city}{rng.choice(others)}{kind}"
    name = issuer
    while name == issuer:
        name = make_org(rng, region).name
    return name


def _foreign_seal(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """The seal names another organisation: another employer of the batch, or a
    look-alike (same city and kind of organisation, another name)."""

    _, doc = _pick(_candidates("foreign_seal", a, prof), rng)
    issuer = _issuer(doc)
    assert issuer is not None and doc.seal is not None

    def far(name: str) -> bool:
        return distance(name, issuer) >= max(2, len(issuer) // 5)

    others = sorted({x.person.employer.name for x in spec.applicants} - {issuer})
    others = [n for n in others if far(n)]
    how = "employer" if others and rng.random() < 0.5 else "look_alike"
    name = rng.choice(others) if how == "employer" else _look_alike(issuer, a.person.employer.region, rng)
    doc.seal = dataclasses.replace(doc.seal, org_name=name)
    doc.extra["truth"] = {**doc.extra.get("truth", {}), "seal_expected": issuer, "seal_foreign": how}
    _expect(a, "foreign_seal", doc.doc_type)


def _pasted_seal(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """The document scanned without its seal and a seal image pasted onto the scan."""
    i, doc = _pick(_candidates("pasted_seal", a, prof), rng)
    assert doc.seal is not None
    layouts = render_layouts(doc)
    found = _seal_page(layouts)
    assert found is not None
    page, op = found
    lay = layouts[page]
    doc.extra["paste_seal"] = {
        "page": page, "cx": op.cx, "cy": op.cy, "radius": op.radius, "org_name": doc.seal.org_name,
        "inner_text": doc.seal.inner_text, "color": doc.seal.color, "page_size": [lay.width, lay.height],
        "rgb": [rng.randint(205, 235), rng.randint(10, 35), rng.randint(20, 45)],
        "angle_seed": rng.randint(0, 2**31 - 1),
    }
    doc.extra["truth"] = {**doc.extra.get("truth", {}), "pasted_seal": True}
    _add_post(_isolate(a, i, rng), "paste_seal", i)
    _expect(a, "pasted_seal", doc.doc_type)


def _seal_over_text(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """The seal stamped across the name / ID number line (no finding: it measures OCR
    under seal ink). The document gets a straight scan of its own; truth records the
    lines under the seal in the file's pixels."""
    i, doc = _pick(_candidates("seal_over_text", a, prof), rng)
    target = _target_line(doc)
    assert target is not None
    page, op, start, value = target
    layouts = render_layouts(doc)
    found = _seal_page(layouts)
    assert found is not None
    radius = found[1].radius
    x0, y0, x1, y1 = text_box(op, start, start + len(value))
    lay = layouts[page]
    cx = min(max((x0 + x1) / 2 + rng.uniform(-40, 40), radius + 20), lay.width - radius - 20)
    cy = (y0 + y1) / 2 + rng.uniform(-15, 15)
    doc.extra["seal_at"] = {"page": page, "cx": round(cx, 1), "cy": round(cy, 1)}
    lines = covered_lines(lay, cx, cy, radius)
    for ln in lines:
        ln["target"] = value in ln["text"]
    doc.extra["truth"] = {**doc.extra.get("truth", {}), "seal_over_text": lines}
    _isolate(a, i, rng)


def _photo_doc(a: Any) -> DocSpec:
    found = _photo(a)
    assert found is not None
    return found[1]


def _photo_plan(a: Any) -> FilePlan:
    found = _photo(a)
    assert found is not None
    return next(p for p in a.files if found[0] in p.docs)


def _photo_background(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A blue or red backdrop where the profile asks white."""
    assert prof.photo is not None
    doc = _photo_doc(a)
    doc.extra["background"] = rng.choice([b for b in ("blue", "red", "white") if b != prof.photo.background])
    _expect(a, "photo_background", "photo")


def _photo_grey(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A black-and-white photo where a colour one is asked."""
    _photo_doc(a).extra["color"] = False
    _expect(a, "photo_grey", "photo")


def _photo_aspect(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """The photo cut square, or far too small for the asked format."""
    assert prof.photo is not None and prof.photo.format is not None
    w, h = PHOTO_SIZES[prof.photo.format]
    doc = _photo_doc(a)
    if rng.random() < 0.5:
        side = round(w * rng.uniform(1.1, 1.25))
        doc.extra["size"] = [side, side]
    else:
        s = rng.uniform(0.6, 0.7)
        doc.extra["size"] = [round(w * s), round(h * s)]
    _expect(a, "photo_aspect", "photo")


def _photo_not_face(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A cat (skimage's Chelsea) or a picture of text instead of the applicant's face."""
    _photo_doc(a).extra["subject"] = rng.choice(("cat", "text"))
    _expect(a, "photo_not_face", "photo")


def _photo_oversize(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A photo straight off a camera: about 1600 x 2300 px with sensor grain, saved at
    JPEG quality 100 without chroma subsampling: several times the profile's limit."""
    doc = _photo_doc(a)
    w, h = photo_size(doc)
    k = rng.uniform(1500, 1800) / w
    doc.extra.update(size=[round(w * k), round(h * k)], grain=rng.uniform(4.0, 6.0))
    plan = _photo_plan(a)
    plan.options = {**plan.options, "quality": 100, "subsampling": 0}
    _expect(a, "photo_oversize", "photo")


def _same_photo(spec: Any, a: Any, rng: random.Random, prof: Profile, partner: Any = None) -> None:
    """The partner hands in the applicant's photo, resized and re-compressed."""
    assert partner is not None
    mine, theirs = _photo_doc(a), _photo_doc(partner)
    w, h = photo_size(mine)
    s = rng.uniform(1.08, 1.25)
    theirs.extra.update(photo_seed=mine.extra["photo_seed"], size=[round(w * s), round(h * s)],
                        background=mine.extra.get("background", "white"), color=mine.extra.get("color", True))
    plan = _photo_plan(partner)
    plan.options = {**plan.options, "quality": rng.randint(60, 75)}
    _expect(a, "same_photo", "photo", partner=partner.key)
    _expect(partner, "same_photo", "photo", partner=a.key)


def _same_page(spec: Any, a: Any, rng: random.Random, prof: Profile, partner: Any = None) -> None:
    """The partner's folder holds the applicant's scanned page (a work certificate or a
    certificate), resized and saved again, in place of the partner's own document of
    that type. The copied page names the applicant, so the partner also gets the
    findings that follow from it; they are listed with `secondary: true`."""
    assert partner is not None
    i, doc = _pick(_candidates("same_page", a, prof), rng)
    src = _isolate(a, i, rng, straight=False)
    twin = copy.deepcopy(doc)
    twin.extra["truth"] = {**twin.extra.get("truth", {}), "copied_from": f"{a.key}/{src.name}"}
    partner.docs.append(twin)
    j = len(partner.docs) - 1
    drop = {k for k, d in _planned(partner) if d.doc_type == doc.doc_type}
    for plan in partner.files:
        plan.docs = [k for k in plan.docs if k not in drop]
    partner.files = [p for p in partner.files if p.docs]
    partner.files.append(FilePlan(file_name(rng, twin, "jpg"), "image", [j], "jpg", options={
        "copy_from": {"path": f"{a.key}/{src.name}", "scale": round(rng.uniform(0.8, 0.97), 3),
                      "quality": rng.randint(55, 80)}}))
    unique_names(partner.files)
    _expect(a, "same_page", doc.doc_type, partner=partner.key)
    _expect(partner, "same_page", doc.doc_type, partner=a.key)
    # What the copied page makes true as well: another person's name (and ID number,
    # certificate number) in the partner's folder.
    extra = [(partner, "NAME_MISMATCH", "name")]
    if doc.fields.get("id_number"):
        extra += [(partner, "ID_NUMBER_MISMATCH", "id_number"), (a, "DUPLICATE_ID_IN_BATCH", None),
                  (partner, "DUPLICATE_ID_IN_BATCH", None)]
    if doc.fields.get("certificate_number") or doc.fields.get("card_number"):
        extra += [(a, "DUPLICATE_CERT_IN_BATCH", None), (partner, "DUPLICATE_CERT_IN_BATCH", None)]
    for who, code, subject in extra:
        who.expected_findings.append({"code": code, "subject": subject, "defect": "same_page", "secondary": True})


def _pasted_field(spec: Any, a: Any, rng: random.Random, prof: Profile) -> None:
    """A certificate's name or date covered by a patch from another image; the value
    stays right (a borrowed certificate with the applicant's own name pasted in)."""
    i, doc = _pick(_candidates("pasted_field", a, prof), rng)
    field, page, op = rng.choice(_field_ops(doc))
    scale = rng.uniform(1.1, 1.2)
    x0, y0, x1, y1 = text_box(op)
    f2 = font(int(op.size * scale), op.style)
    width = max(x1 - x0, f2.getlength(op.text))
    pad = op.size * 0.3
    bbox = [round(x0 - pad), round(y0 - pad), round(x0 + width + pad), round(y1 + pad + 4)]
    quality = rng.randint(25, 45)
    doc.extra["paste_field"] = {"page": page, "text": op.text, "x": x0, "y": op.y, "size": op.size,
                                "style": op.style, "scale": round(scale, 3), "dy": rng.randint(2, 5),
                                "ink": [rng.randint(0, 40)] * 3, "quality": quality, "bbox": bbox}
    doc.extra["truth"] = {**doc.extra.get("truth", {}), "tampered": [
        {"field": field, "text": op.text, "page": page + 1, "bbox": bbox, "patch_quality": quality}]}
    _add_post(_isolate(a, i, rng), "paste_field", i)
    _expect(a, "pasted_field", field)


FORGERY_INJECTORS = {
    "no_seal": _no_seal,
    "foreign_seal": _foreign_seal,
    "pasted_seal": _pasted_seal,
    "seal_over_text": _seal_over_text,
    "photo_background": _photo_background,
    "photo_grey": _photo_grey,
    "photo_aspect": _photo_aspect,
    "photo_not_face": _photo_not_face,
    "photo_oversize": _photo_oversize,
    "same_photo": _same_photo,
    "same_page": _same_page,
    "pasted_field": _pasted_field,
}
