"""Tests of the synthetic batch generator: layout per contract §1, truth, validity of
the generated identities, determinism, packagings, and OCR legibility of renders."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageOps
from stdnum.cn import ric, uscc

from pipeline import gb11643
from pipeline.samples.degrade import EXIF_FOR_CW
from pipeline.samples.documents import build_doc, render_document
from pipeline.samples.generator import (
    ORG_ROSTER_COLUMNS,
    ROSTER_COLUMNS,
    generate_batch,
    plan_batch,
)
from pipeline.samples.packaging import PACKAGINGS
from pipeline.samples.people import make_person
from pipeline.samples.seals import draw_seal

SLOW_FIXTURES = {"batch"}  # generated and read once per module (conftest marks its users slow)

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gen")
    return out, generate_batch(out, n_applicants=10, seed=7, profile="gd-supervisor")


@pytest.fixture(scope="module")
def org_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("org")
    return out, generate_batch(out, n_applicants=7, seed=3, profile="gd-org-filing")


@pytest.fixture(scope="module")
def ocr() -> Any:
    from rapidocr import RapidOCR

    return RapidOCR(params={"Det.limit_side_len": 960, "Det.limit_type": "max"})


def _all_docs(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for a in truth["applicants"] for f in a["files"] for d in f["documents"]]


@pytest.mark.slow
def test_layout_and_truth(batch: tuple[Path, dict[str, Any]]) -> None:
    out, truth = batch
    assert (out / "truth.json").is_file() and not (out / "batch" / "truth.json").exists()
    assert json.loads((out / "truth.json").read_text(encoding="utf-8")) == truth
    assert truth["seed"] == 7 and truth["profile"] == "gd-supervisor"
    keys = [a["key"] for a in truth["applicants"]]
    assert len(keys) == 10 and len(set(keys)) == 10
    assert all(re.fullmatch(r"\d{3}_\S+", k) for k in keys)
    folders = sorted(p.name for p in (out / "batch").iterdir() if p.is_dir())
    assert folders == sorted(keys)
    for a in truth["applicants"]:
        assert set(a) >= {"key", "identity", "employer", "files", "expected_findings"}
        assert a["expected_findings"] == []
        assert set(a["identity"]) >= {"name", "id_number", "gender", "birth_date", "ethnicity", "address"}
        types = {d["type"] for f in a["files"] for d in f["documents"]}
        # gd-supervisor's required documents are all there.
        assert {"photo", "recommendation_form", "work_certificate"} <= types
        assert types & {"skill_certificate", "title_certificate"}
        assert types & {"diploma", "degree"}
        for f in a["files"]:
            assert set(f) >= {"path", "packaging", "pages", "rotation", "documents"}
            assert f["path"].startswith(a["key"] + "/")
            assert f["rotation"] in (0, 90, 180, 270)
            for d in f["documents"]:
                assert d["pages"] and all(1 <= p <= f["pages"] for p in d["pages"])


def test_files_on_disk_match_truth(batch: tuple[Path, dict[str, Any]]) -> None:
    out, truth = batch
    root = out / "batch"
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"roster.xlsx"}
    in_truth = {f["path"] for a in truth["applicants"] for f in a["files"]}
    assert on_disk == in_truth
    for a in truth["applicants"]:
        for f in a["files"]:
            path = root / f["path"]
            if path.suffix.lower() == ".pdf":
                assert len(pdfium.PdfDocument(str(path))) == f["pages"]
            else:
                assert path.suffix.lower() in IMAGE_EXT
                with Image.open(path) as im:
                    im.load()
                    assert f["pages"] == 1
                    orient = im.getexif().get(0x0112)
                    if f.get("exif_orientation"):
                        assert orient == EXIF_FOR_CW[f["rotation"]]
                        upright = ImageOps.exif_transpose(im)
                        if f["rotation"] in (90, 270):
                            assert upright.size == (im.height, im.width)
                    else:
                        assert orient in (None, 1)


def test_roster(batch: tuple[Path, dict[str, Any]]) -> None:
    out, truth = batch
    ws = load_workbook(out / "batch" / "roster.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert tuple(rows[0]) == ROSTER_COLUMNS
    assert len(rows) == 11
    by_key = {a["key"]: a for a in truth["applicants"]}
    for r in rows[1:]:
        rec = dict(zip(ROSTER_COLUMNS, r, strict=True))
        a = by_key[rec["材料目录"]]
        assert rec["姓名"] == a["identity"]["name"]
        assert rec["身份证号"] == a["identity"]["id_number"]
        assert isinstance(rec["出生日期"], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec["出生日期"])
        assert rec["出生日期"] == a["identity"]["birth_date"]
        assert rec["政治面貌"] in ("中共党员", "共青团员", "民主党派人士", "无党派民主人士", "群众")
        assert rec["工作单位"] == a["employer"]


@pytest.mark.slow
def test_region_codes_created_after_birth_are_drawn() -> None:
    """Real numbers keep the code of the county that first issued them, so many people
    carry a code the table starts after their birth year (stdnum's birth-year test
    refuses those): the generator draws them too, so the checks are tested on them."""
    people = [a.person for a in plan_batch(20, 1, "sc-examiner").applicants]
    later = [p.id_number for p in people if not ric.is_valid(p.id_number)]
    assert len(later) >= 3
    assert all(gb11643.is_valid(idn) for idn in later)


def test_identities_valid(batch: tuple[Path, dict[str, Any]]) -> None:
    _, truth = batch
    ids = [a["identity"]["id_number"] for a in truth["applicants"]]
    assert len(set(ids)) == len(ids)
    for a in truth["applicants"]:
        idn = a["identity"]["id_number"]
        assert gb11643.is_valid(idn)
        assert idn[:2] == "44"  # Guangdong profile
        assert a["identity"]["birth_date"].replace("-", "") == idn[6:14]
        assert a["identity"]["gender"] == ("男" if int(idn[16]) % 2 else "女")
        for f in a["files"]:
            for d in f["documents"]:
                fields = d["fields"]
                if "id_number" in fields:
                    assert fields["id_number"] == idn
                if "name" in fields:
                    assert fields["name"] == a["identity"]["name"]
                if d["type"] in ("work_certificate", "recommendation_form"):
                    assert d["seals"] and d["seals"][0]["text"] == a["employer"]
    certs = [d["fields"]["certificate_number"] for d in _all_docs(truth) if "certificate_number" in d["fields"]]
    assert len(certs) == len(set(certs))


@pytest.mark.slow
def test_each_packaging_present(batch: tuple[Path, dict[str, Any]],
                                org_batch: tuple[Path, dict[str, Any]]) -> None:
    for _, truth in (batch, org_batch):
        got = {f["packaging"] for a in truth["applicants"] for f in a["files"]}
        assert got == set(PACKAGINGS)


def test_text_pdf_has_text_layer(batch: tuple[Path, dict[str, Any]]) -> None:
    out, truth = batch
    checked = 0
    for a in truth["applicants"]:
        for f in a["files"]:
            if f["packaging"] != "text_pdf":
                continue
            with pdfplumber.open(out / "batch" / f["path"]) as pdf:
                text = "".join(p.extract_text() or "" for p in pdf.pages)
            fields = f["documents"][0]["fields"]
            assert fields.get("name", fields.get("org_name", "")) in text.replace(" ", "")
            checked += 1
    assert checked >= 1


def test_org_filing(org_batch: tuple[Path, dict[str, Any]]) -> None:
    out, truth = org_batch
    ws = load_workbook(out / "batch" / "roster.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert tuple(rows[0]) == ORG_ROSTER_COLUMNS
    for r in rows[1:]:
        rec = dict(zip(ORG_ROSTER_COLUMNS, r, strict=True))
        assert uscc.is_valid(rec["统一社会信用代码"])
        assert rec["统一社会信用代码"][2:4] == "44"
        assert (out / "batch" / rec["材料目录"]).is_dir()
    for a in truth["applicants"]:
        types = [d["type"] for f in a["files"] for d in f["documents"]]
        assert "business_license" in types and "recommendation_form" in types
        lic = next(d for f in a["files"] for d in f["documents"] if d["type"] == "business_license")
        assert lic["fields"]["org_name"] == a["identity"]["name"]
        assert uscc.is_valid(lic["fields"]["uscc"])


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_deterministic(tmp_path: Path) -> None:
    t1 = generate_batch(tmp_path / "a", n_applicants=3, seed=11, profile="sc-examiner")
    t2 = generate_batch(tmp_path / "b", n_applicants=3, seed=11, profile="sc-examiner")
    assert t1 == t2
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    t3 = generate_batch(tmp_path / "c", n_applicants=3, seed=12, profile="sc-examiner")
    assert t3["applicants"][0]["identity"] != t1["applicants"][0]["identity"]


def test_seal_is_red_ink_over_text() -> None:
    img = Image.new("RGB", (500, 500), "white")
    box = draw_seal(img, (250, 250), 150, "广州华粤科技有限公司", random.Random(0), inner_text="人事专用章")
    a = np.asarray(img.crop(box)).astype(int)
    red = (a[..., 0] > 150) & (a[..., 1] < 120) & (a[..., 2] < 130)
    assert red.mean() > 0.05
    alpha_levels = np.unique(a[red][:, 1])
    assert len(alpha_levels) > 10  # textured ink, not a flat fill


@pytest.mark.slow
def test_ocr_reads_id_card_and_work_certificate(ocr: Any) -> None:
    rng = random.Random(5)
    p = make_person(rng)
    front = render_document("id_card", p, rng, variant="front")
    assert front.size == (674, 425)
    r = ocr(np.asarray(front))
    text = "".join(r.txts)
    assert p.name in text
    assert p.id_number in text.replace(" ", "")
    work = render_document("work_certificate", p, rng, profile="gd-supervisor")
    assert work.size == (1654, 2339)
    r = ocr(np.asarray(work))
    text = "".join(r.txts).replace(" ", "")
    assert "工作证明" in text
    assert p.employer.name in text
    body = ocr(np.asarray(work.crop((0, 400, work.width, 1100))))  # the letter's first lines
    assert p.name in "".join(body.txts).replace(" ", "")


def test_all_types_render() -> None:
    rng = random.Random(9)
    p = make_person(rng)
    for t in ("id_card", "diploma", "degree", "skill_certificate", "title_certificate", "examiner_card",
              "work_certificate", "recommendation_form", "business_license", "application_letter",
              "photo", "other"):
        img = render_document(t, p, rng)
        assert img.mode == "RGB" and min(img.size) > 200
    photo = render_document("photo", p, rng)
    assert photo.size == (260, 378)
    assert build_doc("business_license", p, rng).fields["uscc"] == p.employer.uscc


def test_demo_showcase_plants_a_mismatch_a_missing_seal_a_bad_photo_and_a_duplicate() -> None:
    """`certriage demo` (issue 12 item 11): the newcomer's batch shows findings."""
    from pipeline.samples.defects import inject_showcase
    from pipeline.samples.generator import plan_batch

    spec = plan_batch(10, 0, "gd-supervisor")
    done = inject_showcase(spec)
    codes = {e["code"] for a in spec.applicants for e in a.expected_findings}
    assert {"NAME_MISMATCH", "SEAL_MISSING", "PHOTO_BACKGROUND", "DUPLICATE_PHOTO_IN_BATCH"} <= codes
    assert spec.applicants[0].expected_findings == []  # a clean pass next to them
    assert len(done) == 5
