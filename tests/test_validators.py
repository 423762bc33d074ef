"""The checks on hand-built applicants: for every code one case that passes and one that
fails, the OCR-tolerance cases, duplicates across applicants, identity source priority,
and one end-to-end run on a generated batch (no false alarms on clean applicants)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from stdnum.cn import ric, uscc

from pipeline.context import ApplicantContext
from pipeline.decide import decide
from pipeline.identity import build_identity
from pipeline.samples.people import REGIONS, make_org, make_person, make_uscc
from pipeline.types import (
    Decision,
    DocType,
    Document,
    PageText,
    Region,
    Severity,
)
from tests.builders import ID_F, ID_M, card, codes, ctx, doc, fv, make_id, one
from validators import (
    BATCH_VALIDATORS,
    VALIDATORS,
    _load,
    cert_numbers,
    consistency,
    dates,
    duplicates,
    eligibility,
    id_number,
    low_confidence,
    org_filing,
)
from validators.common import mismatch_confidence, same_org

GZ = next(r for r in REGIONS if r.code == "440106")
CD = next(r for r in REGIONS if r.code == "510104")


# ---------------------------------------------------------------- registry


def test_every_registered_check_loads() -> None:
    for target in list(VALIDATORS.values()) + list(BATCH_VALIDATORS.values()):
        assert callable(_load(target))
    assert {"id_number", "consistency", "dates", "cert_numbers", "eligibility", "low_confidence",
            "org_filing"} <= set(VALIDATORS)
    assert "duplicates" in BATCH_VALIDATORS


# ---------------------------------------------------------------- ID_NUMBER_INVALID


def test_valid_id_numbers_pass() -> None:
    c = ctx([card(idn=f"{ID_M[:6]} {ID_M[6:14]} {ID_M[14:]}")], roster={"身份证号": ID_M.lower()})
    assert id_number.check(c) == []


def test_bad_check_digit_is_a_confident_error() -> None:
    bad = ID_M[:17] + ("0" if ID_M[17] != "0" else "1")
    f = one(id_number.check(ctx([card(idn=bad)])), "ID_NUMBER_INVALID")
    assert f.severity == Severity.ERROR and f.confidence >= 0.9
    assert f.found == bad and f.documents == ["001_张三/id_card.jpg#1"] and "校验码" in f.message
    assert decide([f], [])[0] == Decision.REJECT


def test_bad_check_digit_read_with_low_confidence_is_reviewed() -> None:
    bad = ID_M[:17] + ("0" if ID_M[17] != "0" else "1")
    f = one(id_number.check(ctx([card(idn=bad, conf=0.45)])), "ID_NUMBER_INVALID")
    assert f.confidence == pytest.approx(0.45)
    assert decide([f], [])[0] == Decision.REVIEW


def test_future_birth_date_in_id_number() -> None:
    future = make_id(birth="20300101")
    assert ric.is_valid(future)  # stdnum accepts it: the date test is ours
    f = one(id_number.check(ctx([], roster={"身份证号": future})), "ID_NUMBER_INVALID")
    assert "晚于" in f.message and f.documents == []


def test_region_code_created_after_birth_year_is_valid() -> None:
    """GB 11643: a number keeps the code of the county that first issued it; 510105
    (青羊区) dates from 1990 in stdnum's table, and someone born in 1981 may hold it."""
    later = make_id(birth="19810312", region="510105")
    assert not ric.is_valid(later)  # stdnum's birth-year test refuses it
    card_doc = card(idn=later)
    assert id_number.check(ctx([card_doc], roster={"身份证号": later})) == []
    a = ctx([card_doc], key="001_张三")
    b = ctx([card("李四", idn=later)], key="002_李四")
    out = duplicates.check_batch([a, b])  # the shared number is still caught
    assert codes(out["001_张三"]) == ["DUPLICATE_ID_IN_BATCH"]


def test_region_code_never_known_or_abolished_before_birth() -> None:
    unknown = make_id(birth="19800101", region="999999")
    f = one(id_number.check(ctx([card(idn=unknown)])), "ID_NUMBER_INVALID")
    assert "不存在" in f.message and f.confidence <= 0.6
    gone = make_id(birth="19950101", region="510103")  # 西城区 of 成都, 1983-1990
    f = one(id_number.check(ctx([card(idn=gone)])), "ID_NUMBER_INVALID")
    assert "撤销" in f.message
    assert id_number.check(ctx([card(idn=make_id(birth="19850101", region="510103"))])) == []


def test_wrong_length_and_letters() -> None:
    found = id_number.check(ctx([card(idn="44010619900101"), doc("work_certificate", {"id_number": "4401061990O1011234"})]))
    assert codes(found) == ["ID_NUMBER_INVALID", "ID_NUMBER_INVALID"]


# ---------------------------------------------------------------- NAME / ID / BIRTH / GENDER mismatches


def test_same_person_everywhere_passes() -> None:
    docs = [card(), doc("recommendation_form", {"name": "张 三", "id_number": ID_M, "gender": "男",
                                                 "birth_date": "1990-01"}),
            doc("title_certificate", {"name": "张三", "birth_date": "1990-01", "gender": "男", "id_number": ID_M})]
    roster = {"姓名": "张三", "身份证号": ID_M, "性别": "男", "出生日期": "1990-01-01"}
    assert consistency.check(ctx(docs, roster=roster)) == []


def test_one_character_name_difference_read_clearly_is_a_confident_error() -> None:
    found = consistency.check(ctx([card("张三"), doc("recommendation_form", {"name": "张山"})]))
    f = one(found, "NAME_MISMATCH")
    assert f.severity == Severity.ERROR and f.confidence >= 0.9
    assert (f.expected, f.found) == ("张三", "张山")
    assert set(f.documents) == {"001_张三/id_card.jpg#1", "001_张三/recommendation_form.jpg#1"}
    assert decide(found, [])[0] == Decision.REJECT


def test_one_character_name_difference_read_poorly_is_reviewed() -> None:
    found = consistency.check(ctx([card("张三"), doc("recommendation_form", {"name": fv("张山", 0.4)})]))
    f = one(found, "NAME_MISMATCH")
    assert f.confidence < 0.5
    assert decide(found, [])[0] == Decision.REVIEW


def test_the_odd_reading_is_the_one_reported() -> None:
    docs = [card("张三", conf=0.7), doc("recommendation_form", {"name": "张三"}),
            doc("work_certificate", {"name": "李四"})]
    f = one(consistency.check(ctx(docs, roster={"姓名": "张三"})), "NAME_MISMATCH")
    assert (f.expected, f.found) == ("张三", "李四")
    assert f.confidence >= 0.8  # two characters differ: one OCR slip does not explain it


def test_minority_name_dot_and_spaces_are_tolerated() -> None:
    docs = [card("阿依古丽·买买提"), doc("recommendation_form", {"name": "阿依古丽 买买提"})]
    assert consistency.check(ctx(docs, roster={"姓名": "阿依古丽买买提"})) == []


def test_one_digit_different_valid_id_numbers_mismatch() -> None:
    other = make_id(seq="13")  # one order digit differs; both pass GB 11643
    assert ric.is_valid(other) and sum(a != b for a, b in zip(ID_M, other, strict=True)) == 2
    f = one(consistency.check(ctx([card(), doc("work_certificate", {"id_number": other})])), "ID_NUMBER_MISMATCH")
    assert f.severity == Severity.ERROR and f.confidence >= 0.9
    assert (f.expected, f.found) == (ID_M, other)


def test_id_mismatch_against_an_invalid_reading_is_only_a_hint() -> None:
    misread = ID_M[:5] + ("9" if ID_M[5] != "9" else "8") + ID_M[6:]
    f = one(consistency.check(ctx([card(), doc("work_certificate", {"id_number": misread})])), "ID_NUMBER_MISMATCH")
    assert f.expected == ID_M and f.confidence <= 0.6


def test_id_mismatch_with_roster() -> None:
    other = make_id(birth="19910101")
    found = consistency.check(ctx([card()], roster={"身份证号": other}))
    assert one(found, "ID_NUMBER_MISMATCH").found == other


def test_birth_date_compared_with_id_number() -> None:
    docs = [card(), doc("title_certificate", {"birth_date": "1990-02"}),
            doc("skill_certificate", {"birth_date": "1990-01-01"})]
    found = consistency.check(ctx(docs, roster={"出生日期": "1990-01-02"}))
    mism = [f for f in found if f.code == "BIRTH_DATE_MISMATCH"]
    assert sorted(f.found for f in mism) == ["1990-01-02", "1990-02"]
    assert all(f.expected.startswith("1990-01") for f in mism)


def test_birth_date_month_only_matches_on_the_month() -> None:
    found = consistency.check(ctx([card(), doc("recommendation_form", {"birth_date": "1990-01"})]))
    assert "BIRTH_DATE_MISMATCH" not in codes(found)


def test_gender_compared_with_17th_digit() -> None:
    docs = [doc("id_card", {"name": "张三", "gender": "女", "id_number": ID_M})]
    f = one(consistency.check(ctx(docs, roster={"性别": "男"})), "GENDER_MISMATCH")
    assert (f.expected, f.found) == ("男", "女") and f.severity == Severity.ERROR
    assert consistency.check(ctx([doc("id_card", {"gender": "女", "id_number": ID_F})], roster={"性别": "女"})) == []


# ---------------------------------------------------------------- ORG_MISMATCH (employer)


@pytest.mark.parametrize("a,b", [
    ("广州华粤科技有限责任公司", "广州华粤科技有限公司"),
    ("广州华粤科技有限公司", "华粤科技（广州）有限公司"),
    ("广州华粤科技有限公司", "华粤科技"),
    ("广州 华粤科技 有限公司", "广州华粤科技有限公司"),
    ("广东技术师范大学", "广东技术师范大学(白云校区)"),
])
def test_same_employer_variants(a: str, b: str) -> None:
    assert same_org(a, b)
    docs = [doc("work_certificate", {"employer": a}), doc("recommendation_form", {"employer": b})]
    assert consistency.check(ctx(docs, roster={"工作单位": a})) == []


def test_different_employer_is_a_warning() -> None:
    docs = [doc("work_certificate", {"employer": "广州华粤科技有限公司"}),
            doc("recommendation_form", {"employer": "广州华粤科技有限公司"})]
    f = one(consistency.check(ctx(docs, roster={"工作单位": "深圳信达电子有限公司"})), "ORG_MISMATCH")
    assert f.severity == Severity.WARNING and f.found == "深圳信达电子有限公司" and f.documents


# ---------------------------------------------------------------- organisation filings


def test_org_filing_id_card_is_the_legal_representative() -> None:
    docs = [card("王五", idn=ID_M), doc("business_license", {"legal_representative": "王五", "org_name": "甲"}),
            doc("recommendation_form", {"name": "李四", "legal_representative": "王五"})]  # 李四: the contact
    assert consistency.check(ctx(docs, "gd-org-filing", roster={"法定代表人": "王五"})) == []
    docs[1] = doc("business_license", {"legal_representative": "赵六"})
    found = consistency.check(ctx(docs, "gd-org-filing"))
    f = one(found, "NAME_MISMATCH")
    assert f.subject == "legal_representative" and {f.expected, f.found} == {"王五", "赵六"}


# ---------------------------------------------------------------- dates


def test_plausible_dates_pass() -> None:
    docs = [card(issuing_authority="广州市公安局天河分局", valid_from="2015-03-01", valid_to="2035-03-01"),
            doc("diploma", {"study_start": "2008-09", "study_end": "2012-06", "issue_date": "2012-06-30"}),
            doc("skill_certificate", {"issue_date": "2021-05-01"}),
            doc("work_certificate", {"start_date": "2012-07", "issue_date": "2026-06"}),
            doc("recommendation_form", {"fill_date": "2026-06-30"})]
    assert dates.check(ctx(docs)) == []


def test_future_date() -> None:
    found = dates.check(ctx([card(), doc("skill_certificate", {"issue_date": "2026-07-01"})]))
    f = one(found, "DATE_IMPLAUSIBLE")
    assert f.subject == "issue_date" and f.found == "2026-07-01" and f.severity == Severity.WARNING


def test_date_before_birth_and_work_before_16() -> None:
    docs = [card(), doc("work_certificate", {"start_date": "1989-05"}),
            doc("skill_certificate", {"issue_date": "2003-05-01"})]
    found = [f for f in dates.check(ctx(docs)) if f.code == "DATE_IMPLAUSIBLE"]
    assert sorted(f.subject for f in found) == ["issue_date", "start_date"]
    assert any("早于出生日期" in f.message for f in found) and any("13 岁" in f.message for f in found)


def test_diploma_issued_before_study_start() -> None:
    d = doc("diploma", {"study_start": "2012-09", "study_end": "2016-06", "issue_date": "2011-06-30"})
    f = one(dates.check(ctx([d])), "DATE_IMPLAUSIBLE")
    assert f.subject == "issue_date" and "入学" in f.message


def test_id_card_expired() -> None:
    back = doc("id_card", {"valid_from": "2005-01-01", "valid_to": "2025-01-01"})
    f = one(dates.check(ctx([back])), "ID_CARD_EXPIRED")
    assert f.severity == Severity.WARNING and f.found == "2025-01-01"


@pytest.mark.parametrize("valid_to", ["长期", "2026-06-30", "2040-01-01"])
def test_id_card_not_expired(valid_to: str) -> None:
    back = doc("id_card", {"valid_from": "2020-01-01", "valid_to": valid_to})
    assert dates.check(ctx([back])) == []


# ---------------------------------------------------------------- CERT_NUMBER_INVALID


def test_generator_certificate_numbers_fit() -> None:
    for seed in range(40):
        p = make_person(random.Random(seed))
        docs = [doc(t, {"card_number" if t == "examiner_card" else "certificate_number": n})
                for t, n in p.numbers.items()]
        assert cert_numbers.check(ctx(docs)) == [], p.numbers


@pytest.mark.parametrize("doc_type,number", [
    ("diploma", "10561A0201234567"),  # a letter inside an all-digit number
    ("degree", "12345"),  # far too short
    ("skill_certificate", "S12AB34567890123456"),  # letters past the prefix
    ("title_certificate", "第号"),  # no digit at all
    ("examiner_card", "123"),
])
def test_wrong_certificate_number_shapes(doc_type: str, number: str) -> None:
    key = "card_number" if doc_type == "examiner_card" else "certificate_number"
    f = one(cert_numbers.check(ctx([doc(doc_type, {key: number})])), "CERT_NUMBER_INVALID")
    assert f.severity == Severity.WARNING and f.subject == key


# ---------------------------------------------------------------- eligibility


def test_level_met_by_skill_or_title() -> None:
    base = [card(), doc("recommendation_form", {"work_summary": "工" * 220, "occupations": ["电工"]})]
    ok_skill = base + [doc("skill_certificate", {"skill_level": 3})]
    ok_title = base + [doc("skill_certificate", {"skill_level": 4}), doc("title_certificate", {"title_level": "中级"})]
    for docs in (ok_skill, ok_title):
        assert eligibility.check(ctx(docs, "sc-examiner")) == []


def test_level_insufficient() -> None:
    docs = [doc("skill_certificate", {"skill_level": 4}), doc("title_certificate", {"title_level": "初级"})]
    f = one(eligibility.check(ctx(docs, "sc-examiner")), "LEVEL_INSUFFICIENT")
    assert f.severity == Severity.ERROR and f.confidence >= 0.9
    assert "三级" in f.expected and "中级" in f.expected and "四级" in f.found


def test_senior_examiner_needs_level_one() -> None:
    docs = [doc("skill_certificate", {"skill_level": 2}), doc("examiner_card", {"issue_date": "2022-01-01"})]
    assert codes(eligibility.check(ctx(docs, "sc-senior-examiner"))) == ["LEVEL_INSUFFICIENT"]
    docs[0] = doc("skill_certificate", {"skill_level": 1})
    assert eligibility.check(ctx(docs, "sc-senior-examiner")) == []


def test_unread_level_is_field_missing_not_an_error() -> None:
    docs = [doc("skill_certificate", {"occupation": "电工"})]
    f = one(eligibility.check(ctx(docs, "sc-examiner")), "FIELD_MISSING")
    assert f.subject == "skill_level" and f.severity == Severity.WARNING


def test_examiner_card_held_too_short() -> None:
    docs = [doc("skill_certificate", {"skill_level": 1}), doc("examiner_card", {"issue_date": "2025-12-01"})]
    f = one(eligibility.check(ctx(docs, "sc-senior-examiner")), "LEVEL_INSUFFICIENT")
    assert f.subject == "examiner_card"
    docs[1] = doc("examiner_card", {"card_number": "512022000123"})
    assert one(eligibility.check(ctx(docs, "sc-senior-examiner")), "FIELD_MISSING").subject == "issue_date"


def test_age_limit() -> None:
    # 110101 (Beijing 东城区) existed in 1960; 440106 did not, and stdnum knows it.
    old = make_id(birth="19600101", region="110101")  # 66 at the batch date
    skill = doc("skill_certificate", {"skill_level": 2})
    f = one(eligibility.check(ctx([doc("id_card", {"id_number": old}), skill], "gz-expert")), "AGE_LIMIT")
    assert f.found == "66岁" and f.severity == Severity.ERROR
    ok = make_id(birth="19610630", region="110101")  # 65 on the batch date
    assert eligibility.check(ctx([doc("id_card", {"id_number": ok}), skill], "gz-expert")) == []
    missing = eligibility.check(ctx([doc("skill_certificate", {"skill_level": 2})], "gz-expert"))
    assert one(missing, "FIELD_MISSING").subject == "birth_date"


@pytest.mark.parametrize("fields,code", [
    ({"work_years": 2}, None),
    ({"work_years": "1年"}, None),
    ({"work_years": 0.5}, "WORK_YEARS_INSUFFICIENT"),
    ({"start_date": "2020-01"}, None),
    ({"start_date": "2026-03"}, "WORK_YEARS_INSUFFICIENT"),
    ({"employer": "甲公司"}, "FIELD_MISSING"),
])
def test_work_years(fields: dict[str, Any], code: str | None) -> None:
    found = eligibility.check(ctx([doc("work_certificate", fields)], "gd-supervisor"))
    assert codes(found) == ([code] if code else [])


def test_work_summary_length() -> None:
    def form(text: str, conf: float = 0.95) -> list[Document]:
        return [doc("recommendation_form", {"work_summary": fv(text, conf)})]

    assert eligibility.check(ctx(form("本人从事电工工作。" * 30), "sc-supervisor")) == []  # 240 counted
    short = one(eligibility.check(ctx(form("电，" * 120), "sc-supervisor")), "WORK_SUMMARY_TOO_SHORT")
    assert short.found == "120字" and short.confidence >= 0.9  # punctuation does not count
    near = one(eligibility.check(ctx(form("电" * 195), "sc-supervisor")), "WORK_SUMMARY_TOO_SHORT")
    assert near.confidence < 0.8  # a few characters missed by OCR could explain it: review
    assert eligibility.summary_length("ab 12，。电工") == 6
    missing = eligibility.check(ctx([doc("recommendation_form", {"name": "张三"})], "sc-supervisor"))
    assert one(missing, "FIELD_MISSING").subject == "work_summary"


def test_too_many_occupations() -> None:
    four = ["电工", "焊工", "车工", "钳工"]
    f = one(eligibility.check(ctx([doc("recommendation_form", {"occupations": four})], "gz-expert")),
            "TOO_MANY_OCCUPATIONS")
    assert f.severity == Severity.WARNING and f.found == four
    assert codes(eligibility.check(ctx([], "gz-expert", roster={"申报职业": "电工、焊工、车工、钳工"}))) == [
        "FIELD_MISSING", "TOO_MANY_OCCUPATIONS"]  # no birth date for the age rule either
    assert eligibility.check(ctx([card(), doc("recommendation_form", {"occupations": four[:3]})], "gz-expert")) == []


def test_generic_profile_has_no_eligibility_rule() -> None:
    assert eligibility.check(ctx([doc("skill_certificate", {"skill_level": 5})], "generic")) == []


# ---------------------------------------------------------------- LOW_CONFIDENCE


def test_low_confidence_fields_that_matter() -> None:
    docs = [doc("id_card", {"name": fv("张三", 0.5), "id_number": fv(ID_M, 0.9)}),
            doc("skill_certificate", {"skill_level": fv(3, 0.3)}),
            doc("recommendation_form", {"phone": fv("138", 0.2)})]
    found = low_confidence.check(ctx(docs, "sc-examiner"))
    assert sorted(f.subject for f in found) == ["name", "skill_level"]
    assert all(f.severity == Severity.WARNING for f in found)
    assert [f.subject for f in low_confidence.check(ctx(docs, "generic"))] == ["name"]
    assert low_confidence.check(ctx([card()], "sc-examiner")) == []


# ---------------------------------------------------------------- organisation filing


def _org_ctx(code: str, name: str = "广州华粤科技有限公司", roster_name: str | None = None,
             extra: list[Document] | None = None) -> ApplicantContext:
    docs = [doc("business_license", {"org_name": name, "uscc": code, "legal_representative": "王五"}),
            doc("recommendation_form", {"org_name": name, "uscc": code})] + (extra or [])
    return ctx(docs, "gd-org-filing", roster={"机构名称": roster_name or name, "统一社会信用代码": code})


def test_valid_guangdong_company_passes() -> None:
    code = make_uscc(random.Random(1), GZ, "91")
    assert org_filing.check(_org_ctx(code)) == []


def test_outside_guangdong() -> None:
    code = make_uscc(random.Random(2), CD, "91")
    f = one(org_filing.check(_org_ctx(code)), "REGION_NOT_ALLOWED")
    assert f.found == "510104" and f.severity == Severity.ERROR


def test_government_body_excluded() -> None:
    f = one(org_filing.check(_org_ctx(make_uscc(random.Random(3), GZ, "11"), "广州市某某局")), "ORG_TYPE_NOT_ALLOWED")
    assert f.severity == Severity.ERROR


def test_public_institution_warned_unless_a_school() -> None:
    code = make_uscc(random.Random(4), GZ, "12")
    f = one(org_filing.check(_org_ctx(code, "广州市职业技能服务中心")), "ORG_TYPE_NOT_ALLOWED")
    assert f.severity == Severity.WARNING
    assert org_filing.check(_org_ctx(code, "广州工贸技师学院")) == []


def test_bad_uscc_check_character() -> None:
    code = make_uscc(random.Random(5), CD, "91")
    bad = code[:17] + ("1" if code[17] != "1" else "2")
    found = org_filing.check(_org_ctx(bad))
    assert codes(found) == ["USCC_INVALID"]  # no region finding on an unreliable code


def test_org_name_mismatch_and_letters_from_other_organisations() -> None:
    code = make_uscc(random.Random(6), GZ, "91")
    letter = doc("application_letter", {"org_name": "广东省食品行业协会"}, text="推荐函")
    assert org_filing.check(_org_ctx(code, extra=[letter])) == []
    f = one(org_filing.check(_org_ctx(code, roster_name="佛山嘉禾餐饮管理有限公司")), "ORG_MISMATCH")
    assert f.subject == "org_name" and f.found == "佛山嘉禾餐饮管理有限公司"
    promise = doc("application_letter", {"org_name": "深圳蓝海电子有限公司"}, text="承诺书")
    assert codes(org_filing.check(_org_ctx(code, extra=[promise]))) == ["ORG_MISMATCH"]


def _licence_read(name: str, code: str, conf: float, form_name: str | None = None,
                  form_code: str | None = None) -> ApplicantContext:
    """An org filing whose licence was read as `name`/`code` at `conf`, its form and roster
    holding the organisation's true name and code."""
    true_name, true_code = form_name or "广州华粤科技有限公司", form_code or code
    docs = [doc("business_license", {"org_name": fv(name, conf), "uscc": fv(code, conf)}),
            doc("recommendation_form", {"org_name": true_name, "uscc": true_code}, 0.97)]
    return ctx(docs, "gd-org-filing", roster={"机构名称": true_name, "统一社会信用代码": true_code})


def test_one_misread_character_of_a_long_name_is_an_ocr_slip() -> None:
    """启航/后航, 深圳/深塘: one character of a long name read wrong on one document, while
    the form and the roster agree, is OCR's slip (info), not another organisation."""
    code = make_uscc(random.Random(10), GZ, "91")
    f = one(org_filing.check(_licence_read("广州华奥科技有限公司", code, 0.95)), "OCR_SLIP")
    assert f.severity == Severity.INFO and f.found == "广州华奥科技有限公司" and f.expected == "广州华粤科技有限公司"
    # Two characters off, or a short name, is still another organisation.
    assert codes(org_filing.check(_licence_read("广州华奥技术有限公司", code, 0.95))) == ["ORG_MISMATCH"]
    short = _licence_read("华奥公司", code, 0.95, form_name="华粤公司")
    assert codes(org_filing.check(short)) == ["ORG_MISMATCH"]


def test_a_doubtful_invalid_code_near_the_valid_one_is_an_ocr_slip() -> None:
    code = make_uscc(random.Random(11), GZ, "91")
    bad = code[:5] + ("1" if code[5] != "1" else "2") + code[6:]
    assert not uscc.is_valid(bad)
    f = one(org_filing.check(_licence_read("广州华粤科技有限公司", bad, 0.5, form_code=code)), "OCR_SLIP")
    assert f.severity == Severity.INFO and f.expected == code and f.found == bad
    # Read surely, the licence says what it says: a tampered code is still invalid.
    found = codes(org_filing.check(_licence_read("广州华粤科技有限公司", bad, 0.97, form_code=code)))
    assert "USCC_INVALID" in found and "OCR_SLIP" not in found


def test_a_doubtful_licence_name_confirmed_elsewhere_needs_no_look() -> None:
    code = make_uscc(random.Random(12), GZ, "91")
    confirmed = _licence_read("广州华粤科技有限公司", code, 0.4)
    assert [f.subject for f in low_confidence.check(confirmed)] == []
    # The licence and the form cut from one long image share a page: still two documents.
    one_page = ctx([doc("business_license", {"org_name": fv("广州华粤科技有限公司", 0.4), "uscc": fv(code, 0.4)},
                        name="材料长图"),
                    doc("recommendation_form", {"org_name": "广州华粤科技有限公司", "uscc": code}, name="材料长图")],
                   "gd-org-filing", roster={"机构名称": "广州华粤科技有限公司", "统一社会信用代码": code})
    assert low_confidence.check(one_page) == []
    # Only the roster to confirm it (typed by the applicant, not a document): still a look.
    alone = ctx([doc("business_license", {"org_name": fv("广州华粤科技有限公司", 0.4), "uscc": fv(code, 0.4)})],
                "gd-org-filing", roster={"机构名称": "广州华粤科技有限公司", "统一社会信用代码": code})
    assert sorted(f.subject for f in low_confidence.check(alone)) == ["org_name", "uscc"]


def test_org_rules_only_for_org_profiles() -> None:
    code = make_uscc(random.Random(7), CD, "11")
    assert org_filing.check(ctx([doc("business_license", {"uscc": code})], "generic")) == []


# ---------------------------------------------------------------- duplicates


def test_duplicate_id_and_certificate_numbers() -> None:
    a = ctx([card(), doc("skill_certificate", {"certificate_number": "S440123450120123456"})], key="001_张三")
    b = ctx([card("李四"), doc("skill_certificate", {"certificate_number": "S440123450120123456"})], key="002_李四")
    c = ctx([card("王五", idn=ID_F)], key="003_王五")
    out = duplicates.check_batch([a, b, c])
    assert "003_王五" not in out
    assert sorted(codes(out["001_张三"])) == ["DUPLICATE_CERT_IN_BATCH", "DUPLICATE_ID_IN_BATCH"]
    f = one(out["002_李四"], "DUPLICATE_ID_IN_BATCH")
    assert f.found == ["001_张三"] and f.severity == Severity.ERROR and f.confidence >= 0.9


def test_no_duplicates_in_distinct_applicants() -> None:
    a = ctx([card()], key="001")
    b = ctx([card(idn=ID_F)], key="002", roster={"身份证号": ID_F})
    assert duplicates.check_batch([a, b]) == {}


def test_org_filings_compare_uscc_not_the_legal_representative() -> None:
    code1, code2 = make_uscc(random.Random(8), GZ), make_uscc(random.Random(9), GZ)
    a = ctx([card("王五"), doc("business_license", {"uscc": code1})], "gd-org-filing", key="001")
    b = ctx([card("王五"), doc("business_license", {"uscc": code2})], "gd-org-filing", key="002")
    assert duplicates.check_batch([a, b]) == {}
    b2 = ctx([doc("business_license", {"uscc": code1})], "gd-org-filing", key="002")
    assert one(duplicates.check_batch([a, b2])["002"], "DUPLICATE_ID_IN_BATCH").subject == "uscc"


# ---------------------------------------------------------------- identity


def test_identity_prefers_the_id_card() -> None:
    docs = [doc("recommendation_form", {"name": "张山", "id_number": ID_M}), card("张三")]
    ident = build_identity(ctx(docs, roster={"姓名": "章三"}))
    assert ident == {"name": "张三", "id_number": ID_M, "gender": "男", "birth_date": "1990-01-01"}


def test_identity_from_form_then_roster_and_derived_from_id_number() -> None:
    form = doc("recommendation_form", {"name": "李四", "id_number": ID_F, "birth_date": "1990-02"})
    ident = build_identity(ctx([form], roster={"姓名": "李思", "性别": "男"}))
    # gender and birth date from the valid ID number, not from the form or roster
    assert ident == {"name": "李四", "id_number": ID_F, "gender": "女", "birth_date": "1990-01-01"}
    only_roster = build_identity(ctx([], roster={"姓名": "王五", "身份证号": ID_M}))
    assert only_roster["name"] == "王五" and only_roster["gender"] == "男"


def test_identity_name_is_what_most_sources_agree_on() -> None:
    """No ID card; the form's name misread, the certificates and the roster agree."""
    docs = [doc("recommendation_form", {"name": "泰一监", "id_number": ID_M}),
            doc("skill_certificate", {"name": "郭一峰"}), doc("work_certificate", {"name": "郭一峰"})]
    assert build_identity(ctx(docs, roster={"姓名": "郭一峰"}))["name"] == "郭一峰"


def test_identity_prefers_a_valid_id_number() -> None:
    misread = ID_M[:5] + ("9" if ID_M[5] != "9" else "8") + ID_M[6:]
    ident = build_identity(ctx([card(idn=misread), doc("work_certificate", {"id_number": ID_M})]))
    assert ident["id_number"] == ID_M


def test_identity_number_is_voted_not_the_cards_alone() -> None:
    """A card with another valid number, against form, certificate and roster agreeing:
    the queue shows the number the papers agree on, and gender and birth date come from
    it, not from the card's print."""
    other = make_id(birth="19850505", gender_digit=4)
    docs = [doc("id_card", {"name": "张三", "gender": "女", "birth_date": "1985-05-05", "id_number": other}),
            doc("recommendation_form", {"name": "张三", "id_number": ID_M}),
            doc("work_certificate", {"name": "张三", "id_number": ID_M})]
    ident = build_identity(ctx(docs, roster={"姓名": "张三", "身份证号": ID_M}))
    assert ident == {"name": "张三", "id_number": ID_M, "gender": "男", "birth_date": "1990-01-01"}


def _two_applicants(card_name: str) -> list[ApplicantContext]:
    """001 张三's folder holds a card with 李四's number; 李四's own papers agree on it."""
    lisi = make_id(birth="19850505", gender_digit=4)
    a_card = doc("id_card", {"name": card_name, "gender": "女", "birth_date": "1985-05-05", "id_number": lisi})
    a = ctx([a_card, doc("recommendation_form", {"name": "张三", "gender": "男", "id_number": ID_M}),
             doc("skill_certificate", {"name": "张三", "id_number": ID_M})],
            roster={"姓名": "张三", "身份证号": ID_M, "性别": "男"})
    b_docs = [doc("recommendation_form", {"name": "李四", "id_number": lisi}, name="b-form"),
              doc("id_card", {"name": "李四", "gender": "女", "birth_date": "1985-05-05", "id_number": lisi},
                  name="b-card")]
    b = ctx(b_docs, key="002_李四", roster={"姓名": "李四", "身份证号": lisi})
    return [a, b]


def test_a_misfiled_id_card_is_one_root_cause_finding() -> None:
    from pipeline.identity import foreign_cards
    from validators import run_batch_validators, run_validators

    contexts = _two_applicants("李四")
    foreign = foreign_cards(contexts)
    assert foreign == {"001_张三": {"001_张三/id_card.jpg#1": "002_李四"}}
    contexts = [c.model_copy(update={"foreign": foreign.get(c.key, {})}) for c in contexts]
    a, b = contexts
    identity_codes = {"NAME_MISMATCH", "ID_NUMBER_MISMATCH", "BIRTH_DATE_MISMATCH", "GENDER_MISMATCH",
                      "DUPLICATE_ID_IN_BATCH"}
    cross = run_batch_validators(contexts)
    got = [f for f in run_validators(a) + cross.get(a.key, []) if f.code in identity_codes]
    assert len(got) == 1, [(f.code, f.message) for f in got]
    f = got[0]
    assert f.code == "ID_NUMBER_MISMATCH" and f.severity == Severity.ERROR
    assert f.message == "id_card.jpg 上是 002_李四 的身份证（疑似放错文件夹）"
    assert f.expected == ID_M and f.documents == ["001_张三/id_card.jpg#1"] and f.confidence >= 0.9
    assert build_identity(a) == {"name": "张三", "id_number": ID_M, "gender": "男", "birth_date": "1990-01-01"}
    assert [f for f in run_validators(b) + cross.get(b.key, []) if f.code in identity_codes] == []


def test_a_card_with_the_folders_own_name_is_not_misfiled() -> None:
    """Same number as another applicant but the folder's own name: a misprinted or
    misread card, reported field by field as before."""
    from pipeline.identity import foreign_cards

    contexts = _two_applicants("张三")
    assert foreign_cards(contexts) == {}
    assert "ID_NUMBER_MISMATCH" in codes(consistency.check(contexts[0]))


def test_organisation_identity() -> None:
    code = make_uscc(random.Random(10), GZ)
    ident = build_identity(_org_ctx(code, roster_name="华粤科技"))
    assert ident == {"name": "广州华粤科技有限公司", "org_name": "广州华粤科技有限公司", "uscc": code,
                     "legal_representative": "王五"}


# ---------------------------------------------------------------- confidence model


def test_mismatch_confidence_model() -> None:
    assert mismatch_confidence(0.99, 0.99, 1) >= 0.95
    assert mismatch_confidence(0.9, 0.9, 1) >= 0.8
    assert mismatch_confidence(0.99, 0.4, 1) < 0.5
    assert mismatch_confidence(0.99, 0.4, 3) > mismatch_confidence(0.99, 0.4, 1)
    assert mismatch_confidence(0.99, 0.4, 3) < 0.8  # a poor reading may be garbled throughout
    assert mismatch_confidence(0.95, 0.95, 2) >= 0.95


# ---------------------------------------------------------------- end to end


MY_CODES = {"ID_NUMBER_INVALID", "NAME_MISMATCH", "ID_NUMBER_MISMATCH", "BIRTH_DATE_MISMATCH", "GENDER_MISMATCH",
            "ORG_MISMATCH", "ID_CARD_EXPIRED", "DATE_IMPLAUSIBLE", "CERT_NUMBER_INVALID", "LEVEL_INSUFFICIENT",
            "AGE_LIMIT", "WORK_YEARS_INSUFFICIENT", "WORK_SUMMARY_TOO_SHORT", "TOO_MANY_OCCUPATIONS",
            "USCC_INVALID", "REGION_NOT_ALLOWED", "ORG_TYPE_NOT_ALLOWED", "DUPLICATE_ID_IN_BATCH",
            "DUPLICATE_CERT_IN_BATCH"}


def _extractors_present() -> bool:
    from extractors import EXTRACTORS

    return bool(EXTRACTORS)


@pytest.mark.skipif(not _extractors_present(), reason="extractors.EXTRACTORS is empty: no fields to check yet")
def test_clean_generated_batch_raises_no_errors_from_these_checks(sample_run: dict[str, Any]) -> None:
    """The session's generated gd-supervisor batch (every packaging, run through the CLI):
    none of these checks raises a confident error on an applicant the generator left
    clean. (It had a 7-applicant batch of its own: 150 s of CI for the same question.)"""
    truth, report = sample_run["truth"], sample_run["report"]
    assert sample_run["rc"] == 0
    clean = {a["key"] for a in truth["applicants"] if not a["expected_findings"]}
    assert len(clean) >= 4
    alarms = [(a["key"], f["code"], f["message"], f.get("confidence")) for a in report["applicants"]
              if a["key"] in clean for f in a["findings"]
              if f["code"] in MY_CODES and f["severity"] == "error" and (f.get("confidence") or 0) >= 0.8]
    assert alarms == []
    assert all(a["identity"].get("name") for a in report["applicants"])


def test_make_org_numbers_are_valid_for_the_checks() -> None:
    """Sanity of the fixtures above: generated organisations pass GB 32100."""
    for seed in range(10):
        o = make_org(random.Random(seed), GZ)
        assert org_filing.check(_org_ctx(o.uscc, o.name)) == []


def test_look_alike_name_read_with_doubt_is_an_ocr_slip_not_a_mismatch() -> None:
    """An organisation's legal representative: the roster says 朱兵鹏; the form reads
    朱兵鹅 at 0.945 and the licence 采兵鹏 at 0.59. Each differs by one look-alike
    character read with doubt: OCR slips, shown as info, and the filing passes."""
    docs = [doc("business_license", {"legal_representative": fv("采兵鹏", 0.59)}),
            doc("recommendation_form", {"legal_representative": fv("朱兵鹅", 0.945)})]
    found = consistency.check(ctx(docs, profile="gd-org-filing", roster={"法定代表人": "朱兵鹏"}))
    assert "NAME_MISMATCH" not in codes(found)
    slips = [f for f in found if f.code == "OCR_SLIP"]
    assert sorted(f.found for f in slips) == ["朱兵鹅", "采兵鹏"]
    assert all(f.severity == Severity.INFO and f.expected == "朱兵鹏" for f in slips)
    assert decide(found, [])[0] == Decision.PASS


@pytest.mark.parametrize(("other", "conf"), [("董璧龙", 0.997), ("董璧龙", 0.93), ("董璧鹏", 0.998)])
def test_a_name_read_clearly_or_unlike_is_still_a_mismatch(other: str, conf: float) -> None:
    """A one-character difference read clearly (0.997), or read with doubt but with a
    character that does not look like the other (聪/龙), is a different name."""
    docs = [card("董璧聪"), doc("recommendation_form", {"name": "董璧聪"}), doc("diploma", {"name": fv(other, conf)})]
    found = consistency.check(ctx(docs, roster={"姓名": "董璧聪"}))
    f = one(found, "NAME_MISMATCH")
    assert (f.expected, f.found) == ("董璧聪", other)
    assert "OCR_SLIP" not in codes(found)


def test_a_surname_read_as_its_traditional_look_alike_is_an_ocr_slip() -> None:
    """The recogniser reads a printed 曾 as 會, which text normalisation turns into 会
    (a generated ID card, seed 50, grey and skewed: 会春萍 at 0.92). 会 and 曾 look
    nothing alike, but 會 and 曾 do: read with doubt, it is an OCR slip, not a
    different name, and the applicant is not sent back for it."""
    import numpy as np

    from extractors import extract_document
    from models.ocr import get_engine
    from pipeline.samples.degrade import scan
    from pipeline.samples.documents import build_doc, render_pages

    rng = random.Random(50)
    person = make_person(rng)
    spec = build_doc("id_card", person, rng, "generic", "front")
    img = scan(render_pages(spec)[0], rng, grey=True, max_skew=2.0)
    lines = get_engine("rapidocr").read(np.asarray(img))
    text = PageText(file="身份证.jpg", page=1, engine="rapidocr", lines=lines,
                    region=Region(bbox=(0, 0, img.width, img.height)))
    read = extract_document(Document(file="身份证.jpg", pages=[1], type=DocType.ID_CARD, type_confidence=1.0,
                                     texts=[text]))
    assert person.name == "曾春萍" and read.fields["name"].value == "会春萍"  # the slip itself
    assert read.fields["name"].confidence < 0.97
    docs = [read, doc("recommendation_form", {"name": person.name, "id_number": person.id_number})]
    found = consistency.check(ctx(docs, roster={"姓名": person.name}))
    assert "NAME_MISMATCH" not in codes(found)
    assert [f.found for f in found if f.code == "OCR_SLIP"] == ["会春萍"]
