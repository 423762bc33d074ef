"""Seal text (ring unwrapped and read by the real OCR), SEAL_TEXT_MISMATCH, and the
suppression of seal ink before the OCR of text under a seal, on generated pages."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.ocr import normalize_text
from pipeline.context import ApplicantContext
from pipeline.samples import degrade
from pipeline.samples.fonts import font
from pipeline.samples.seals import draw_seal
from pipeline.seals import detect_seals, read_seal_text, suppress_seal_ink, unwrap_seal
from pipeline.types import DocType, Document, FieldValue, Seal
from tests.builders import ctx
from tests.test_seals import render
from validators.common import distance
from validators.seal_text import check, similarity

ORGS = ["广州信达职业培训学校", "佛山蓝海机电设备有限公司", "广东省人力资源和社会保障厅", "西南交通大学"]


def _read_one(image: np.ndarray, engine) -> Seal:
    seals = detect_seals(image)
    assert len(seals) == 1, seals
    return read_seal_text(image, seals[0], engine)


@pytest.mark.parametrize("org", ORGS)
def test_ring_text_is_read_from_a_stamped_seal(org: str, engine) -> None:
    page = Image.new("RGB", (900, 900), "white")
    draw_seal(page, (450, 450), 165, org, random.Random(org), inner_text="人事专用章")
    seal = _read_one(np.asarray(degrade.scan(page, random.Random(2), max_skew=0.0)), engine)
    assert seal.text is not None and seal.text_confidence is not None
    assert similarity(seal.text, org) >= 0.8, seal.text
    assert seal.inner_text is not None and distance(seal.inner_text, "人事专用章") <= 1


def test_a_turned_stamp_is_still_read_in_order(engine) -> None:
    """A stamp turned by 60 degrees moves the gap of the ring text off the bottom."""
    org = "深圳工贸技工学校"
    page = Image.new("RGB", (900, 900), "white")
    draw_seal(page, (450, 450), 165, org, random.Random(1))
    turned = page.rotate(60, fillcolor="white")
    seal = _read_one(np.asarray(turned), engine)
    assert seal.text is not None and similarity(seal.text, org) >= 0.8, seal.text


@pytest.mark.parametrize("doc_type", ["work_certificate", "recommendation_form", "diploma"])
def test_seal_on_a_generated_document_names_its_organisation(doc_type: str, engine) -> None:
    img, _ = render(doc_type, 11)
    image = np.asarray(img)
    seal = _read_one(image, engine)
    strip, _inner = unwrap_seal(image, detect_seals(image)[0])
    assert strip.shape[1] > 3 * strip.shape[0]  # a straight strip, wider than high
    assert seal.text and len(seal.text) >= 4


def test_small_or_cut_seals_are_not_read(engine) -> None:
    page = Image.new("RGB", (900, 900), "white")
    draw_seal(page, (450, 450), 165, "西南交通大学", random.Random(3))
    image = np.asarray(page)
    s = detect_seals(image)[0]
    assert read_seal_text(image, s.model_copy(update={"shape": "other"}), engine).text is None
    tiny = s.model_copy(update={"bbox": (440.0, 440.0, 470.0, 470.0)})
    assert unwrap_seal(image, tiny) is None


# ---------------------------------------------------------------- the check


def _ctx(doc: Document) -> ApplicantContext:
    return ctx([doc], "gd-supervisor")


def _doc(employer: str, seal_text: str | None, text_conf: float = 0.98, field_conf: float = 0.97) -> Document:
    return Document(
        file="001_张三/work.jpg", pages=[1], type=DocType.WORK_CERTIFICATE, type_confidence=0.95,
        fields={"employer": FieldValue(value=employer, confidence=field_conf, page=1)},
        seals=[Seal(page=1, bbox=(900, 1000, 1160, 1240), shape="round", color="red", confidence=0.95,
                    text=seal_text, text_confidence=text_conf)],
    )


def test_another_organisations_seal_is_a_mismatch() -> None:
    found = check(_ctx(_doc("佛山蓝海机电设备有限公司", "广州德信餐饮管理有限公司")))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"]
    f = found[0]
    assert f.severity == "error" and f.expected == "佛山蓝海机电设备有限公司" and f.found == "广州德信餐饮管理有限公司"
    assert f.documents == ["001_张三/work.jpg#1"] and f.confidence >= 0.6


@pytest.mark.parametrize("read", [
    "佛山蓝海机电设备有限公司",  # exact
    "佛山装影机电设条有限公理",  # curved text read with slips
    "机电设备有限公司佛山蓝海",  # the ring's start guessed wrong
    "佛山蓝海机电",  # abbreviated or half read
    "佛山蓝海机电设备有限公司出",  # a stray mark read at the end
])
def test_readings_of_the_right_seal_are_not_mismatches(read: str) -> None:
    assert check(_ctx(_doc("佛山蓝海机电设备有限公司", read))) == []


@pytest.mark.parametrize("read", ["西川省职业", "定华导中", "鉴定指导中心四川"])
def test_a_partial_ring_that_fits_the_name_is_not_a_mismatch(read: str) -> None:
    """A faded or half-inked ring read in part, with a slip, fits the issuer's name."""
    assert check(_ctx(_doc("四川省职业技能鉴定指导中心", read))) == []


@pytest.mark.parametrize("read", ["成都华粤餐饮", "四川省人力资源"])
def test_a_short_reading_of_another_name_is_still_a_mismatch(read: str) -> None:
    found = check(_ctx(_doc("四川省职业技能鉴定指导中心", read)))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"]


def test_a_look_alike_seal_is_a_mismatch_when_read_surely() -> None:
    found = check(_ctx(_doc("珠海明德电子有限公司", "珠海恒通电子有限公司", text_conf=0.99)))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"] and found[0].expected == "珠海明德电子有限公司"
    # Not on an unsure reading, nor for one misread character of the trade name.
    assert check(_ctx(_doc("珠海明德电子有限公司", "珠海恒通电子有限公司", text_conf=0.9))) == []
    assert check(_ctx(_doc("珠海明德电子有限公司", "珠海明德屯子有限公司", text_conf=0.99))) == []
    assert check(_ctx(_doc("广州信达职业培训学校", "广州嘉达职业培训学校", text_conf=0.99))) == []


def test_doubtful_readings_are_not_mismatches() -> None:
    assert check(_ctx(_doc("佛山蓝海机电设备有限公司", None))) == []
    assert check(_ctx(_doc("佛山蓝海机电设备有限公司", "广州德信餐饮管理有限公司", text_conf=0.6))) == []
    assert check(_ctx(_doc("佛山蓝海机电设备有限公司", "广州德信餐饮管理有限公司", field_conf=0.4))) == []
    assert check(_ctx(_doc("佛山蓝海机电设备有限公司", "广州"))) == []


# ---------------------------------------------------------------- suppression

LINES = ["姓名：陈建华  身份证号：440604196601184157", "自2015年3月起在我单位质量管理部工作",
         "担任技术负责人，工作表现良好", "联系电话：020-83326677  特此证明"]


def _char_accuracy(read: str, truth: str) -> float:
    clean = normalize_text("".join(read.split()))
    t = normalize_text("".join(truth.split()))
    return max(0.0, 1 - distance(clean, t) / len(t))


def test_suppressing_seal_ink_recovers_the_text_under_a_seal(engine) -> None:
    raw_acc, sup_acc = [], []
    for i, line in enumerate(LINES):
        page = Image.new("RGB", (1400, 600), "white")
        ImageDraw.Draw(page).text((60, 280), line, font=font(46), fill=(20, 20, 20))
        draw_seal(page, (560 + 90 * i, 300), 165, ORGS[i], random.Random(i))
        image = np.asarray(degrade.scan(page, random.Random(i), max_skew=0.0))
        seals = detect_seals(image)
        assert seals
        band = slice(240, 360)
        raw = "".join(ln.text for ln in engine.read(image[band]))
        sup = "".join(ln.text for ln in engine.read(suppress_seal_ink(image, seals)[band]))
        raw_acc.append(_char_accuracy(raw, line))
        sup_acc.append(_char_accuracy(sup, line))
    assert np.mean(sup_acc) >= 0.95, sup_acc
    assert np.mean(sup_acc) >= np.mean(raw_acc), (raw_acc, sup_acc)


def test_suppression_leaves_black_text_and_unsealed_pages_alone() -> None:
    page = Image.new("RGB", (1400, 900), "white")
    ImageDraw.Draw(page).text((340, 420), "黑色文字不受影响", font=font(48), fill=(0, 0, 0))
    draw_seal(page, (650, 450), 160, "西南交通大学", random.Random(0))
    image = np.asarray(page)
    seals = detect_seals(image)
    assert len(seals) == 1
    out = suppress_seal_ink(image, seals)
    black = image.max(axis=2) < 60  # dark in every channel: text, not red ink
    assert (out[black] < 90).all()  # the text keeps its strokes
    red = (image[..., 0].astype(int) - image[..., 1]) > 80
    assert out[red].min(axis=1).mean() > 200  # the seal's ink is now paper
    assert np.array_equal(suppress_seal_ink(image, []), image)
    grey = [s.model_copy(update={"color": "black"}) for s in seals]
    assert np.array_equal(suppress_seal_ink(image, grey), image)


# ---------------------------------------------------------------- classes seen on generated batches (issue 10)


def _form(seal_text: str, fields: dict[str, str] | None = None) -> Document:
    """A form whose own name cell was not read, stamped with a seal read as `seal_text`."""
    return Document(
        file="001_张三/form.jpg", pages=[1], type=DocType.RECOMMENDATION_FORM, type_confidence=0.95,
        fields={k: FieldValue(value=v, confidence=0.97, page=1) for k, v in (fields or {}).items()},
        seals=[Seal(page=1, bbox=(900, 1000, 1160, 1240), shape="round", color="red", confidence=0.95,
                    text=seal_text, text_confidence=0.98)])


def test_a_form_without_its_name_cell_is_checked_against_the_employer_read_elsewhere() -> None:
    employer = "佛山蓝海机电设备有限公司"
    work = _doc(employer, None)
    found = check(ctx([_form("广州德信餐饮管理有限公司"), work], "gd-supervisor", {"工作单位": employer}))
    assert [(f.code, f.expected) for f in found] == [("SEAL_TEXT_MISMATCH", employer)]
    assert found[0].documents == ["001_张三/form.jpg#1"]
    # The employer's own seal, and a form whose employers disagree, say nothing.
    assert check(ctx([_form(employer), work], "gd-supervisor", {"工作单位": employer})) == []
    assert check(ctx([_form("广州德信餐饮管理有限公司"), work], "gd-supervisor",
                       {"工作单位": "深圳华粤科技有限公司"})) == []
    # Nor does a work certificate, which may come from a former employer.
    assert check(ctx([_doc("", "广州德信餐饮管理有限公司"), work], "gd-supervisor")) == []


def test_an_org_filing_form_is_checked_against_the_licence_and_roster() -> None:
    org = "广州华粤科技有限公司"
    licence = Document(file="001_张三/licence.jpg", pages=[1], type=DocType.BUSINESS_LICENSE, type_confidence=0.95,
                       fields={"org_name": FieldValue(value=org, confidence=0.97, page=1)})
    found = check(ctx([_form("深圳工贸技工学校"), licence], "gd-org-filing", {"机构名称": org}))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"] and found[0].expected == org
    assert check(ctx([_form("广州华粤科技有限公司"), licence], "gd-org-filing", {"机构名称": org})) == []


def test_another_school_of_the_same_city_is_a_look_alike() -> None:
    """深圳工贸技工学校 for 深圳轻工职业技术学院: the same city, another school (the cores
    share one character, so the older all-characters-differ rule let it pass)."""
    found = check(_ctx(_doc("深圳轻工职业技术学院", "深圳工贸技工学校", text_conf=0.99)))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"]
    # The ring's start guessed wrong does not make the same name another.
    assert check(_ctx(_doc("深圳轻工职业技术学院", "职业技术学院深圳轻工", text_conf=0.99))) == []


def test_a_partial_ring_with_two_slips_fits_the_name() -> None:
    """首乳业技能服务指 of 广东省职业技能服务指导中心: eight characters, two misread."""
    assert check(_ctx(_doc("广东省职业技能服务指导中心", "首乳业技能服务指"))) == []
    # Another organisation's name is not a piece of this one.
    found = check(_ctx(_doc("广东省职业技能服务指导中心", "佛山蓝海机电设备")))
    assert [f.code for f in found] == ["SEAL_TEXT_MISMATCH"]
