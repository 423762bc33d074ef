"""TAMPER_SUSPECTED on generated documents: a certificate field pasted from another
image (the generator's `pasted_field`) is flagged on that field; the clean lines of the
same page, clean pages of the batch and a page cropped after saving are not. Line boxes
come from the generator's layouts (straight scans: layout pixels are file pixels) or
from OCR detection alone, never from a full OCR read."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from pipeline.context import ApplicantContext
from pipeline.page_facts import fill_context
from pipeline.profile import load_profile
from pipeline.samples.defects import applies, inject
from pipeline.samples.documents import render_layouts
from pipeline.samples.forgery import text_box
from pipeline.samples.generator import plan_batch, render_batch
from pipeline.samples.layout import TextOp
from pipeline.types import (
    BatchFile,
    DocType,
    Document,
    FieldValue,
    FileKind,
    OcrLine,
    Page,
    PageText,
    Region,
    Severity,
)
from validators.tampering import check, luma_of, stored_luma, suspects

SLOW_FIXTURES = {"batch"}  # generated and read once per module (conftest marks its users slow)

PROFILE = "gd-supervisor"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Six applicants; a field pasted into a certificate of every applicant it applies to
    among the even ones."""
    root = tmp_path_factory.mktemp("tamper")
    spec = plan_batch(6, seed=9, profile=PROFILE)
    prof = load_profile(PROFILE)
    for i, a in enumerate(spec.applicants):
        if i % 2 == 0 and applies("pasted_field", a, prof):
            inject(spec, i, "pasted_field")
    truth = render_batch(spec, root)
    return {"root": root / "batch", "spec": spec, "truth": truth}


def _layout_lines(doc: Any) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, box) of every text operation of the document's first page."""
    lay = render_layouts(doc)[0]
    return [(op.text, text_box(op)) for op in lay.ops if isinstance(op, TextOp) and op.text.strip()]


def _ctx(path: Path, rel: str, doc_type: str, lines: list[tuple[str, Any]],
         fields: dict[str, Any], rotation: int = 0) -> ApplicantContext:
    """One document on page 1 of one image file, as the runner hands it to a check."""
    w, h = Image.open(path).size
    if rotation in (90, 270):
        w, h = h, w
    kind = FileKind.JPEG if path.suffix.lower() in (".jpg", ".jpeg") else FileKind.PNG
    bf = BatchFile(rel_path=rel, path=str(path), size=path.stat().st_size, sha256="0" * 64, kind=kind)
    page = Page(file=rel, number=1, image_path=str(path), width=w, height=h, rotation=rotation)
    region = Region(kind="page", bbox=(0, 0, w, h))
    ocr = [OcrLine(text=t, confidence=0.95, bbox=tuple(float(v) for v in b)) for t, b in lines]
    fv = {}
    for key, value in fields.items():
        hit = next((b for t, b in lines if t.strip() == str(value).strip()), None)
        if hit is not None:
            fv[key] = FieldValue(value=value, confidence=0.95, page=1, bbox=tuple(float(v) for v in hit))
    doc = Document(file=rel, pages=[1], type=DocType(doc_type), type_confidence=0.95,
                   texts=[PageText(file=rel, page=1, region=region, lines=ocr, engine="rapidocr")], fields=fv)
    return fill_context(ApplicantContext(key="001_test", documents=[doc], files=[bf], profile=load_profile(PROFILE),
                                         batch_date=date(2026, 6, 30), pages=[page]))


def _printed(doc: Any) -> dict[str, str]:
    """Field -> the text as printed on the page (dates in Chinese)."""
    from pipeline.samples.forgery import _printed as printed

    out = {}
    for key in ("name", "issue_date"):
        lines = {t.strip() for t, _ in _layout_lines(doc)}
        texts = [t for t in printed(doc, key) if t in lines]
        if texts:
            out[key] = texts[0]
    return out


def _documents(batch: dict[str, Any], tampered: bool) -> list[tuple[Path, Any, Any]]:
    """(file, doc spec, plan) of single-page JPEG scans, not turned: pasted (straight scans)
    or clean (the clean ones may be skewed by up to 2 degrees: their layout boxes are then
    a little off the printed lines, which still leaves text inside each box)."""
    out = []
    for a in batch["spec"].applicants:
        for plan in a.files:
            if plan.fmt != "jpg" or plan.packaging != "image" or plan.rotation or plan.exif or len(plan.docs) != 1:
                continue
            doc = a.docs[plan.docs[0]]
            if doc.doc_type == "photo" or ("paste_field" in doc.extra) != tampered:
                continue
            out.append((batch["root"] / a.key / plan.name, doc, plan))
    return out


@pytest.mark.slow
def test_a_pasted_field_is_flagged_on_that_field(batch: dict[str, Any]) -> None:
    docs = _documents(batch, tampered=True)
    assert len(docs) >= 2
    for path, doc, _ in docs:
        [truth] = doc.extra["truth"]["tampered"]
        ctx = _ctx(path, f"x/{path.name}", doc.doc_type, _layout_lines(doc), _printed(doc))
        found = check(ctx)
        assert len(found) == 1, (path, [f.found for f in found])  # the patch, no clean line
        f = found[0]
        assert f.code == "TAMPER_SUSPECTED" and f.severity == Severity.WARNING
        assert "信号" in f.message and "非结论" in f.message
        assert f.subject == truth["field"]
        assert f.documents == [f"x/{path.name}#1"]
        x0, y0, x1, y1 = f.found["bbox"]
        tx0, ty0, tx1, ty1 = truth["bbox"]
        assert tx0 - 5 <= x0 and x1 <= tx1 + 5 and ty0 - 5 <= y0 and y1 <= ty1 + 5
        assert tuple(f.found["grid"]) == (tx0 % 8, ty0 % 8)  # the patch's own JPEG grid


@pytest.mark.slow
def test_clean_straight_scans_are_not_flagged(batch: dict[str, Any]) -> None:
    docs = _documents(batch, tampered=False)
    assert docs
    for path, doc, _ in docs:
        lines = _layout_lines(doc)
        assert check(_ctx(path, f"x/{path.name}", doc.doc_type, lines, _printed(doc))) == []


def test_clean_jpeg_pages_of_other_packagings_are_not_flagged(batch: dict[str, Any], engine) -> None:
    """Phone photos, long images and ID photocopies saved as JPEG, not turned: judged on
    the OCR detector's line boxes in the file's own pixels."""
    seen = set()
    for a in batch["truth"]["applicants"]:
        for f in a["files"]:
            if f["format"] != "jpg" or f["rotation"] or f["exif_orientation"]:
                continue
            if f["packaging"] not in ("phone_photo", "long_image", "id_both_sides"):
                continue
            path = batch["root"] / f["path"]
            rgb = np.asarray(Image.open(path).convert("RGB"))
            assert suspects(luma_of(path), engine.detect(rgb)) == [], path
            seen.add(f["packaging"])
    assert len(seen) >= 2, seen


def test_a_page_cropped_after_saving_is_on_its_own_grid(batch: dict[str, Any]) -> None:
    """A page saved at low quality, then cropped by a few pixels and saved again: every
    line sits on the shifted grid, which is then the page's own, not a pasted region."""
    path, doc, _ = _documents(batch, tampered=False)[0]
    buf = io.BytesIO()
    Image.open(path).convert("RGB").save(buf, "JPEG", quality=35)
    dx, dy = 3, 5
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    cropped = img.crop((dx, dy, img.width, img.height))
    out = path.parent / "cropped_copy.jpg"
    cropped.save(out, "JPEG", quality=92)
    lines = [(t, (b[0] - dx, b[1] - dy, b[2] - dx, b[3] - dy)) for t, b in _layout_lines(doc)]
    try:
        assert check(_ctx(out, "x/cropped.jpg", doc.doc_type, lines, _printed(doc))) == []
    finally:
        out.unlink()


@pytest.mark.slow
def test_pages_that_are_not_the_stored_pixels_are_skipped(batch: dict[str, Any], tmp_path: Path) -> None:
    path, doc, _ = _documents(batch, tampered=True)[0]
    lines = _layout_lines(doc)
    rel = f"x/{path.name}"
    assert stored_luma(_ctx(path, rel, doc.doc_type, lines, {}), rel, 1) is not None
    # turned by the orientation step: the grid is lost
    turned = _ctx(path, rel, doc.doc_type, lines, {}, rotation=90)
    assert stored_luma(turned, rel, 1) is None and check(turned) == []
    # the same pixels as a PNG: no JPEG of its own to read the grid from
    png = tmp_path / "page.png"
    Image.open(path).save(png)
    ctx = _ctx(png, "x/page.png", doc.doc_type, lines, _printed(doc))
    assert stored_luma(ctx, "x/page.png", 1) is None and check(ctx) == []
    # downscaled on rendering: the page is not the file's pixels
    small = _ctx(path, rel, doc.doc_type, lines, {})
    small.pages[0] = small.pages[0].model_copy(update={"width": 1000, "height": 700})
    assert stored_luma(small, rel, 1) is None


def test_the_check_is_registered() -> None:
    from validators import VALIDATORS

    assert VALIDATORS["tampering"] == "validators.tampering:check"
