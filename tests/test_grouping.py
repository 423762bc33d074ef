"""Pages and regions become documents by their content (issue 10, classes 2, 6, 7, 8):
a merged PDF in which a form is followed by other documents, long images of two
documents photographed on a desk (no blank band between them), and a department's
recommendation written as an official letter (公函). Generated, written as the
generator writes its files, and read through the real OCR."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipeline.samples.documents import DocSpec, build_doc
from pipeline.samples.generator import plan_batch
from pipeline.samples.packaging import FilePlan, write_file
from pipeline.samples.people import make_person
from pipeline.types import FileResult


def _run(tmp_path: Path, plan: FilePlan, docs: list[DocSpec], seed: int) -> tuple[FileResult, list[list[int]]]:
    """Write one file into a one-applicant batch, ingest it and process it."""
    from pipeline.ingest import ingest
    from pipeline.runner import process_file

    folder = tmp_path / "batch" / "001_申请人"
    folder.mkdir(parents=True)
    pages = write_file(plan, docs, folder / plan.name, random.Random(seed))
    batch = ingest(tmp_path / "batch", tmp_path / "work" / "batch")
    (f,) = [f for a in batch.applicants for f in a.files]
    return process_file(f, tmp_path / "work"), pages


def _found(result: FileResult) -> list[tuple[str, list[int]]]:
    return [(d.type.value, d.pages) for d in result.documents]


@pytest.mark.slow
def test_form_then_certificates_and_a_receipt_in_one_pdf(tmp_path: Path) -> None:
    """Each document of a merged PDF is found on its own pages: the receipt (a page no
    type claims, with a title of its own) and the certificates after the form are not
    taken as the form's next pages, and each seal stays with its document."""
    rng = random.Random(71)
    p = make_person(rng, "四川省")
    docs = [build_doc("recommendation_form", p, rng, "sc-examiner", "sc-exam"),
            build_doc("other", p, rng, variant="receipt"),
            build_doc("skill_certificate", p, rng, "sc-examiner"), build_doc("diploma", p, rng)]
    plan = FilePlan("材料.pdf", "merged_pdf", [0, 1, 2, 3], "pdf", options={"on_a4": True})
    result, pages = _run(tmp_path, plan, docs, 72)
    expected = [(d.doc_type, pl) for d, pl in zip(docs, pages, strict=True)]
    assert _found(result) == expected
    # Each seal goes with the document on whose page it lies.
    form, cert = result.documents[0], result.documents[2]
    assert cert.seals and all(s.page == cert.pages[0] for s in cert.seals)
    assert all(s.page in form.pages for s in form.seals)


@pytest.mark.parametrize("top,bottom", [("skill_certificate", "diploma"), ("business_license", "recommendation_form")])
@pytest.mark.slow
def test_two_documents_photographed_on_a_desk_are_split(tmp_path: Path, top: str, bottom: str) -> None:
    """A long image without a blank band between its documents is split by its text."""
    rng = random.Random(81)
    profile = "gd-org-filing" if top == "business_license" else "sc-examiner"
    p = make_person(rng, "广东省" if top == "business_license" else "四川省")
    docs = [build_doc(top, p, rng, profile), build_doc(bottom, p, rng, profile, "org" if bottom == "recommendation_form" else None)]
    plan = FilePlan("材料长图.jpg", "long_image", [0, 1], "jpg", options={"desk": True})
    result, _ = _run(tmp_path, plan, docs, 82)
    assert _found(result) == [(top, [1]), (bottom, [1])]
    upper, lower = (d.texts[0].region.bbox for d in result.documents)
    assert upper[3] <= lower[1]


@pytest.mark.slow
def test_department_recommendation_letter_is_an_application_letter(tmp_path: Path) -> None:
    """A 推荐函 written as an official letter (关于推荐…的函, 特此函告) is an application letter."""
    rng = random.Random(91)
    p = make_person(rng, "广东省")
    letter = build_doc("application_letter", p, rng, "gd-org-filing", "推荐函")
    letter.extra["letter_form"] = "公函"
    result, _ = _run(tmp_path, FilePlan("推荐函.jpg", "image", [0], "jpg"), [letter], 92)
    assert _found(result) == [("application_letter", [1])]


def test_variety_plans_merged_pdfs_and_desk_images_with_their_truth() -> None:
    """With variety on, the generator writes these packagings (and only then)."""
    on = [f for prof in ("sc-examiner", "gd-org-filing")
          for a in plan_batch(8, seed=11, profile=prof, variety=True).applicants for f in a.files]
    assert any(f.options.get("desk") for f in on)
    assert any(f.options.get("on_a4") and f.packaging == "merged_pdf" for f in on)
    off = [f for a in plan_batch(8, seed=11, profile="sc-examiner").applicants for f in a.files]
    assert not any(f.options.get("desk") or f.options.get("on_a4") for f in off)


@pytest.mark.parametrize("seed", [83, 84])
@pytest.mark.slow
def test_desk_stack_is_cut_between_the_documents_not_inside_the_upper_one(tmp_path: Path, seed: int) -> None:
    """An old two-column certificate booklet above a diploma: the cut lies in the wide gap
    between the two, so the certificate keeps its lower rows (证书编号, 发证日期, 发证机关)
    and the diploma's number is its own."""
    from extractors import extract_document

    rng = random.Random(seed)
    p = make_person(rng, "四川省")
    cert = build_doc("skill_certificate", p, rng, "sc-examiner", "old")
    cert.extra["style"] = {"booklet": True}
    docs = [cert, build_doc("diploma", p, rng)]
    plan = FilePlan("材料长图.jpg", "long_image", [0, 1], "jpg", options={"desk": True})
    result, _ = _run(tmp_path, plan, docs, seed + 1)
    assert _found(result) == [("skill_certificate", [1]), ("diploma", [1])]
    got_cert, got_dip = ({k: v.value for k, v in extract_document(d).fields.items()} for d in result.documents)
    for key in ("certificate_number", "issuer"):
        assert got_cert.get(key) == cert.fields[key], (key, got_cert.get(key))
    assert got_dip.get("certificate_number") == docs[1].fields["certificate_number"]


@pytest.mark.parametrize(("seed", "packaging"), [(72, "merged_pdf"), (73, "scanned_pdf"), (74, "text_pdf")])
@pytest.mark.slow
def test_form_page_that_prose_makes_look_like_a_certificate_stays_with_the_form(
        tmp_path: Path, seed: int, packaging: str) -> None:
    """A form's second page (the work summary running on, 承诺声明, 单位意见 with the
    employer's seal) mentions 职业技能等级证书 in its prose, but has no title and no
    certificate labels: it is the form's page, and the form keeps its seal."""
    from pipeline.samples.documents import long_summary

    rng = random.Random(seed)
    p = make_person(rng, "四川省")
    form = build_doc("recommendation_form", p, rng, "sc-examiner", "sc-exam")
    form.extra["style"] = {"long_summary": True}
    form.fields["work_summary"] = long_summary(form.fields["work_summary"], random.Random(seed))
    docs = [form, build_doc("skill_certificate", p, rng, "sc-examiner")]
    plan = FilePlan("申报材料合集.pdf", packaging, [0, 1], "pdf", options={"on_a4": True} if packaging == "merged_pdf" else {})
    result, pages = _run(tmp_path, plan, docs, seed + 1)
    assert pages[0] == [1, 2]
    assert _found(result) == [("recommendation_form", [1, 2]), ("skill_certificate", [3])]
    assert result.documents[0].seals and result.documents[0].seals[0].page == 2


@pytest.mark.parametrize("seed", [85, 86, 87])
@pytest.mark.slow
def test_each_document_of_a_desk_stack_keeps_its_seal(tmp_path: Path, seed: int) -> None:
    """A licence photographed above the filing form and a 推荐函 in one long image (three
    pages tall): the licence's
    seal over its patterned background is found (the long image is searched in bands
    about a page tall, not shrunk whole) and stays with the licence."""
    rng = random.Random(seed)
    p = make_person(rng, "广东省")
    docs = [build_doc("business_license", p, rng, "gd-org-filing"),
            build_doc("recommendation_form", p, rng, "gd-org-filing", "org"),
            build_doc("application_letter", p, rng, "gd-org-filing", "推荐函")]
    plan = FilePlan("证书合集.jpg", "long_image", [0, 1, 2], "jpg", options={"desk": True})
    result, _ = _run(tmp_path, plan, docs, seed + 1)
    assert [t for t, _ in _found(result)] == ["business_license", "recommendation_form", "application_letter"]
    assert all(len(d.seals) == 1 for d in result.documents), [len(d.seals) for d in result.documents]
