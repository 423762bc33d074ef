"""Fields read right on documents drawn the way other issuers draw them (issue 10): the
generator's variety styles (label wordings and layouts of the notices' real forms,
letter-spaced and wrapped labels, 发证机关(盖章) with the issuer under it, a 推荐函 about
another organisation, text a font makes OCR read as traditional), rendered, scanned,
read by the real OCR engine and extracted. No mocks."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from extractors import extract_document
from pipeline.types import DocType, Document, PageText, Region


def _read(engine: Any, doc_type: str, variant: str | None, seed: int, extra: dict | None = None,
          fields: dict | None = None, **style: Any) -> tuple[dict, dict]:
    from pipeline.samples.degrade import scan
    from pipeline.samples.documents import build_doc, long_summary, render_pages
    from pipeline.samples.people import make_person

    rng = random.Random(seed)
    person = make_person(rng)
    spec = build_doc(doc_type, person, rng, "generic", variant)
    spec.extra["style"] = dict(style)
    spec.extra.update(extra or {})
    spec.fields.update(fields or {})
    if style.get("booklet"):  # what draw_style does to the truth of these styles
        spec.fields["job_type"] = spec.fields["occupation"]
        spec.fields["birth_date"] = spec.fields["birth_date"][:7]
    if style.get("long_summary"):
        spec.fields["work_summary"] = long_summary(spec.fields["work_summary"], random.Random(seed))
    texts = []
    for n, page in enumerate(render_pages(spec), start=1):
        img = scan(page, rng)
        lines = engine.read(np.asarray(img))
        texts.append(PageText(file="t", page=n, region=Region(bbox=(0, 0, img.width, img.height)), lines=lines,
                              engine=engine.name))
    doc = Document(file="t", pages=[t.page for t in texts], type=DocType(doc_type), type_confidence=1.0, texts=texts)
    got = {k: v.value for k, v in extract_document(doc).fields.items()}
    return spec.fields, got


@pytest.fixture(scope="module")
def engine():
    from models.ocr import get_engine

    return get_engine("rapidocr")


def _check(truth: dict, got: dict, keys: tuple[str, ...]) -> None:
    wrong = {k: (truth[k], got.get(k)) for k in keys if got.get(k) != truth[k]}
    assert not wrong, wrong


def test_skill_booklet(engine) -> None:
    """职业(工种)及等级 with the occupation under it (not `及`), the 工种 filled, 姓/名 spread
    over the label column, the issuer under 发证机关(盖章) (not `(盖章)`)."""
    truth, got = _read(engine, "skill_certificate", "old", 16, booklet=True)
    _check(truth, got, ("name", "gender", "occupation", "job_type", "skill_level", "certificate_number", "issuer"))


def test_title_certificate_approved(engine) -> None:
    """The issuer is the body at the seal, not the 经…评审委员会 sentence nor `(盖章)`;
    name, gender and specialty read beside spread labels."""
    truth, got = _read(engine, "title_certificate", None, 17, approved=True)
    _check(truth, got, ("name", "gender", "specialty", "title_name", "title_level", "issuer", "certificate_number"))


def test_form_wrapped_label_and_one_occupation_per_line(engine) -> None:
    """申报考评职 / 业工种 wrapped in its cell: no `职` in the first occupation, and names
    one per line stay apart."""
    truth, got = _read(engine, "recommendation_form", "sc-exam", 13, wrapped_label=True, one_per_line=True)
    assert len(truth["occupations"]) == 3
    _check(truth, got, ("occupations", "employer", "name"))


def test_licence_spread_labels(engine) -> None:
    """名        称 spread over the label column: the name without the label's `称`."""
    truth, got = _read(engine, "business_license", None, 24, spread_labels=True)
    _check(truth, got, ("org_name", "uscc", "legal_representative", "address"))


@pytest.mark.parametrize("org_type", ["机关", "事业单位"])
def test_short_organisation_types_are_read(engine, org_type: str) -> None:
    """类型 机关 (a government body's code certificate) is the whole value: short, but no
    seal fragment, so it is read (it was dropped as a name under three characters)."""
    truth, got = _read(engine, "business_license", "public", 24, fields={"org_type": org_type})
    _check(truth, got, ("org_type", "org_name"))


def test_recommendation_letter_is_about_the_recommended_organisation(engine) -> None:
    """A 推荐函 (the notices' template): org_name is the organisation recommended, with its
    USCC, not the department that signs it."""
    truth, got = _read(engine, "application_letter", "推荐函", 25)
    _check(truth, got, ("org_name", "uscc", "issue_date"))


def test_recommendation_as_an_official_letter(engine) -> None:
    """The same recommendation as a department's 公函: red heading and letter number, the
    title 关于推荐 X 申请…的函 and 我会对 X（统一社会信用代码：…）in the body, wrapped. The
    organisation recommended and its code are read, not the department."""
    truth, got = _read(engine, "application_letter", "推荐函", 25, extra={"letter_form": "公函"})
    _check(truth, got, ("org_name", "uscc", "issue_date"))


def test_traditional_text_and_years_wording(engine) -> None:
    """A letter whose text OCR reads in traditional characters: values come back simplified;
    work_years read from 至今已满 N 年."""
    truth, got = _read(engine, "work_certificate", "generic", 19, traditional=True, years_wording="full")
    _check(truth, got, ("employer", "name", "department", "work_years"))


def test_traditional_diploma_reads_its_study_years(engine) -> None:
    """Traditional print has 於 for the preposition 于 (於2005年9月至2008年6月在本校…); 於 is
    kept as a surname, but before a date it is read as 于, so the study years are found."""
    truth, got = _read(engine, "diploma", None, 21, traditional=True)
    _check(truth, got, ("name", "study_start", "study_end", "school", "major"))


def test_work_summary_runs_on_to_the_next_page(engine) -> None:
    """A long 工作简介 whose cell breaks over two pages is read whole (no false
    WORK_SUMMARY_TOO_SHORT from half a summary)."""
    import difflib

    truth, got = _read(engine, "recommendation_form", "sc-exam", 13, long_summary=True)
    assert len(truth["work_summary"]) >= 700
    ratio = difflib.SequenceMatcher(None, truth["work_summary"], got.get("work_summary") or "").ratio()
    assert ratio >= 0.9, (len(truth["work_summary"]), len(got.get("work_summary") or ""), ratio)


def test_id_card_row_read_as_one_box(engine) -> None:
    """性别女民族汉 in one OCR box: the ethnicity is read from the middle of the line."""
    truth, got = _read(engine, "id_card", "front", 12, one_box_rows=True)
    _check(truth, got, ("name", "gender", "ethnicity", "id_number"))


@pytest.mark.parametrize("kind", ["text_pdf", "image"])
@pytest.mark.parametrize(("variant", "profile", "keys"), [
    ("org", "gd-org-filing", ("org_name", "uscc", "phone", "address")),
    ("sc-exam", "sc-examiner", ("name", "employer", "phone", "id_number")),
])
@pytest.mark.slow
def test_values_centred_in_wide_cells(tmp_path, kind: str, variant: str, profile: str, keys: tuple[str, ...]) -> None:
    """A word-processor table that centres each value in its wide cell, far right of the
    label (a text-layer PDF and a scan): the value is still the cell's."""
    from pipeline.ingest import ingest
    from pipeline.runner import process_file
    from pipeline.samples.documents import build_doc
    from pipeline.samples.packaging import FilePlan, write_file
    from pipeline.samples.people import make_person

    rng = random.Random(2)
    spec = build_doc("recommendation_form", make_person(rng, "广东省"), rng, profile, variant)
    spec.extra["style"] = {"centred_values": True}
    plan = FilePlan("表.pdf" if kind == "text_pdf" else "表.jpg", kind, [0], "pdf" if kind == "text_pdf" else "jpg")
    folder = tmp_path / "batch" / "001_申请人"
    folder.mkdir(parents=True)
    write_file(plan, [spec], folder / plan.name, random.Random(3))
    batch = ingest(tmp_path / "batch", tmp_path / "work" / "batch")
    (f,) = [f for a in batch.applicants for f in a.files]
    (doc,) = process_file(f, tmp_path / "work").documents
    got = {k: v.value for k, v in extract_document(doc).fields.items()}
    _check(spec.fields, got, keys)


def test_a_label_cell_read_with_one_slip_still_names_its_value(engine) -> None:
    """機構名稱 in a traditional font read 机桐名称: the organisation's name beside that
    cell is still its org_name (at a little less confidence), while a slip that is as near
    to another label of the form is not taken for either."""
    from pipeline.samples.degrade import scan
    from pipeline.samples.documents import build_doc, render_pages
    from pipeline.samples.people import make_person

    rng = random.Random(5)
    spec = build_doc("recommendation_form", make_person(rng, "广东省"), rng, "gd-org-filing", "org")
    (page,) = render_pages(spec)[:1]
    img = scan(page, rng)
    lines = engine.read(np.asarray(img))
    (label,) = [ln for ln in lines if ln.text.startswith("机构名称")]

    def extract(text: str) -> dict:
        read = [ln.model_copy(update={"text": text}) if ln is label else ln for ln in lines]
        texts = [PageText(file="t", page=1, region=Region(bbox=(0, 0, img.width, img.height)), lines=read,
                          engine=engine.name)]
        doc = Document(file="t", pages=[1], type=DocType.RECOMMENDATION_FORM, type_confidence=1.0, texts=texts)
        return extract_document(doc).fields

    exact = extract(label.text)
    slipped = extract("机桐名称" + label.text[4:])
    assert slipped["org_name"].value == spec.fields["org_name"] == exact["org_name"].value
    assert slipped["org_name"].confidence < exact["org_name"].confidence
    assert "org_name" not in extract("机构名型")  # one slip from 机构名称 and from 机构类型 alike
    assert "org_name" not in extract("机桐名称表格说明")  # more than the label and a colon


@pytest.mark.slow
def test_small_print_of_a_long_image_is_read(tmp_path) -> None:
    """A licence and a form stacked on a desk in one long image (no blank band between
    them): read as one 1:3.5 strip, the engine scaled it to a quarter and lost the
    licence's 统一社会信用代码 line and its spread 名 称 label; read in page-sized bands,
    both documents give their organisation's name and code."""
    from pipeline.ingest import ingest
    from pipeline.runner import process_file
    from pipeline.samples.documents import build_doc
    from pipeline.samples.packaging import FilePlan, write_file
    from pipeline.samples.people import make_person

    rng = random.Random(7)
    person = make_person(rng, "广东省")
    specs = [build_doc(t, person, rng, "gd-org-filing") for t in ("business_license", "recommendation_form")]
    plan = FilePlan("材料长图.jpg", "long_image", [0, 1], "jpg", options={"desk": True})
    folder = tmp_path / "batch" / "001_机构"
    folder.mkdir(parents=True)
    write_file(plan, specs, folder / plan.name, random.Random(3))
    batch = ingest(tmp_path / "batch", tmp_path / "work" / "batch")
    (f,) = [f for a in batch.applicants for f in a.files]
    docs = {d.type.value: extract_document(d) for d in process_file(f, tmp_path / "work").documents}
    assert set(docs) >= {"business_license", "recommendation_form"}, list(docs)
    org = specs[0].fields
    for d in docs.values():
        if d.type.value in ("business_license", "recommendation_form"):
            got = {k: v.value for k, v in d.fields.items()}
            _check(org, got, ("org_name", "uscc"))


def test_tall_regions_are_read_in_overlapping_bands() -> None:
    from pipeline.runner import band_spans

    assert band_spans(2339, 1654) == [(0, 2339, 0, 2339)]  # an A4 page is read whole
    for h, w in ((4841, 1392), (3000, 1000), (20000, 900)):
        spans = band_spans(h, w)
        assert spans[0][2] == 0 and spans[-1][3] == h and spans[-1][1] == h
        for (_s0, e0, _, own_to), (s1, _, own_from, _) in zip(spans, spans[1:], strict=False):
            assert own_to == own_from and s1 < own_to < e0  # each row owned once, inside its band
            assert min(own_to - s1, e0 - own_to) >= 24  # a text line across the cut fits either band
        assert all(e - s <= 1.5 * w for s, e, _, _ in spans)


# RapidOCR's lines for the right-hand column of two generated licences (bench batches
# gd-org-filing-101 001 and 002): the spread label 住 所 is split between boxes, and the
# address's wrapped tail comes back in a taller box.
SPLIT_LABEL = [((497, 538, 878, 564), "职业技能培训;人力资源服务;教育咨住"), ((903, 538, 1249, 564), "所广东省佛山市顺德区天河路868号4"),
               ((499, 570, 826, 595), "询服务;组织文化艺术交流活动;会议"), ((951, 569, 980, 597), "楼"),
               ((907, 790, 1022, 827), "登记机关")]
LABEL_APART = [((464, 505, 796, 529), "职业技能培训;人力资源服务;教育咨"), ((808, 506, 839, 529), "住"),
               ((893, 505, 1204, 529), "所广东省广州市白云区朝阳南路276"), ((464, 537, 794, 562), "询服务;组织文化艺术交流活动;会议"),
               ((916, 532, 978, 565), "号8楼"), ((873, 760, 1005, 791), "登记机关")]


# The same licence with 住 lost altogether (a skewed or busy capture): only 所 is left, glued
# to the address.
GLYPH_LOST = [((b[0], b[1], b[2] - 20, b[3]), t[:-1]) if t.endswith("住") else (b, t) for b, t in SPLIT_LABEL]


@pytest.mark.parametrize(("lines", "address"), [(SPLIT_LABEL, "广东省佛山市顺德区天河路868号4楼"),
                                                (LABEL_APART, "广东省广州市白云区朝阳南路276号8楼"),
                                                (GLYPH_LOST, "广东省佛山市顺德区天河路868号4楼")])
def test_licence_address_beside_a_split_spread_label(lines: list, address: str) -> None:
    from pipeline.types import OcrLine

    ocr = [OcrLine(text=t, confidence=0.99, bbox=b) for b, t in lines]
    texts = [PageText(file="t", page=1, region=Region(bbox=(0, 0, 1400, 1000)), lines=ocr, engine="rapidocr")]
    doc = Document(file="t", pages=[1], type=DocType.BUSINESS_LICENSE, type_confidence=1.0, texts=texts)
    assert extract_document(doc).fields["address"].value == address
