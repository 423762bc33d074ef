"""Every fact about a page is computed once, by the reading stage, and stored on the page
(`Page.facts`, `Seal.ink`); the checks only read it (issue 14). On pages read by the real
pipeline (generated documents through the real OCR), the checks give the same findings
when every image decoder, seal detector and face detector they could reach is made to
fail, and the stored facts come back unchanged from the file cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import ingest
from pipeline.runner import (
    STAGE_VERSION,
    assess_applicant,
    prepare_applicants,
    process_file,
    process_files,
)
from pipeline.settings import RunOptions
from pipeline.types import FileResult, InkStats, Page, PageFacts, Seal

SLOW_FIXTURES = {"read"}  # generated and read once per module (conftest marks its users slow)


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 4-applicant batch with forgery defects (pasted seals and fields, one photo or
    page in two folders) read once through the real pipeline."""
    from pipeline.samples.generator import generate_batch

    root = tmp_path_factory.mktemp("facts")
    truth = generate_batch(root, n_applicants=4, seed=5, defect_rate=1.0, defect_family="forgery")
    work = root / "work"
    batch = ingest(root / "batch", work / "batch")
    opts = RunOptions(source=str(root / "batch"), out=str(root / "out"), profile="gd-supervisor",
                      batch_date=date.fromisoformat(truth["batch_date"]), work_dir=work,
                      use_prefect=False, show_progress=False)
    return {"batch": batch, "opts": opts, "results": process_files(batch, opts), "work": work}


def _assess(read: dict[str, Any]) -> dict[str, Any]:
    """Every applicant's findings (applicant and batch checks) and report photo facts."""
    work, _ = prepare_applicants(read["batch"], read["results"], read["opts"])
    out = {}
    for ctx, results, extra in work:
        a = assess_applicant(ctx, results, extra)
        out[a.key] = {"findings": [f.model_dump() for f in a.findings],
                      "photo": a.photo.model_dump() if a.photo else None}
    return out


def _fail(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a check computed a page fact again")


@pytest.mark.slow
def test_checks_read_stored_facts_only(read: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same findings with every decoder and detector a check could call broken: no
    check decodes a page or the upload, detects seals or faces, or measures ink."""
    before = _assess(read)
    codes = {f["code"] for a in before.values() for f in a["findings"]}
    assert "CHECK_FAILED" not in codes
    # The pixel checks had something to say on this batch, so their facts were read.
    assert codes & {"DUPLICATE_FILE_IN_BATCH", "DUPLICATE_PHOTO_IN_BATCH", "TAMPER_SUSPECTED"}, codes
    assert codes & {"PHOTO_BACKGROUND", "PHOTO_FACE", "PHOTO_NOT_COLOR", "PHOTO_SIZE"}, codes
    # Seals the seal check judges (their ink is read for SEAL_SUSPICIOUS).
    assert any(d.seals and d.type.value == "work_certificate" for r in read["results"].values() for d in r.documents)
    assert any(a["photo"] and a["photo"]["faces"] is not None for a in before.values())

    from PIL import Image

    import models.face
    import pipeline.seals
    import validators.page_duplicates
    import validators.photo
    import validators.seal
    import validators.tampering

    monkeypatch.setattr(Image, "open", _fail)
    monkeypatch.setattr(models.face, "detect_faces", _fail)
    monkeypatch.setattr(validators.photo, "detect_faces", _fail)
    for name in ("detect_seals", "ink_stats", "is_grey"):
        monkeypatch.setattr(pipeline.seals, name, _fail)
        monkeypatch.setattr(validators.seal, name, _fail, raising=False)
    monkeypatch.setattr(validators.tampering, "luma_of", _fail)
    monkeypatch.setattr(validators.page_duplicates, "_signature", _fail, raising=False)
    monkeypatch.setattr(validators.photo, "photo_image", _fail, raising=False)
    assert _assess(read) == before


def test_facts_are_stored_on_every_page_and_survive_the_cache(read: dict[str, Any]) -> None:
    """A warm re-run reads the facts back from the file cache, equal to the fresh ones."""
    pages = [p for r in read["results"].values() for p in r.pages]
    assert pages and all(p.facts is not None for p in pages)
    seals = [s for p in pages for s in p.facts.seals]
    assert seals and all(s.ink is not None for s in seals)
    assert any(p.facts.photos for p in pages) and any(p.facts.jpeg_grid for p in pages)
    assert all(p.facts.regions for p in pages if p.regions)
    for a in read["batch"].applicants:
        for f in a.files:
            fresh = read["results"][f.rel_path]
            cached = process_file(f, read["work"], read["opts"].ocr, read["opts"].dpi)
            assert [p.facts for p in cached.pages] == [p.facts for p in fresh.pages], f.rel_path
            assert [d.seals for d in cached.documents] == [d.seals for d in fresh.documents], f.rel_path


def test_a_seal_without_an_outline_round_trips() -> None:
    """NaN edge width (no outline) is stored as None: JSON cannot hold NaN, and a cached
    entry that fails to load would be recomputed on every run."""
    seal = Seal(page=1, bbox=(0, 0, 10, 10), confidence=0.5,
                ink=InkStats(pixels=0.0, std=0.0, mean_l=0.0, edge_width=None))
    page = Page(file="a/x.png", number=1, image_path="x.png", width=10, height=10,
                facts=PageFacts(grey=True, seals=[seal], jpeg_grid=[]))
    back = Page.model_validate_json(page.model_dump_json())
    assert back == page and back.facts is not None and back.facts.jpeg_grid == []
    assert STAGE_VERSION != "file-v12"  # entries cached without facts are not read


def test_faces_are_searched_once_per_photo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier's face search is the photo facts' too: one search per photo region."""
    import models.face
    from pipeline.samples.photos import PHOTO_SIZES, make_id_photo

    (tmp_path / "batch" / "001_a").mkdir(parents=True)
    make_id_photo(3, PHOTO_SIZES["小一寸"]).convert("RGB").save(tmp_path / "batch" / "001_a" / "照片.jpg", quality=92)
    batch = ingest(tmp_path / "batch", tmp_path / "work" / "batch")
    calls: list[int] = []
    real = models.face.detect_faces

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(models.face, "detect_faces", counted)
    import validators.photo

    monkeypatch.setattr(validators.photo, "detect_faces", counted)
    result: FileResult = process_file(batch.applicants[0].files[0], tmp_path / "work")
    [page] = result.pages
    assert [d.type.value for d in result.documents] == ["photo"]
    assert page.facts is not None and len(page.facts.photos) == 1 and page.facts.photos[0].faces == 1
    assert len(calls) == 1
