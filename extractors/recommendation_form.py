"""推荐表 / 申报表 (person forms) and 备案申请表 (organisation forms): real tables, so a
value is the next cell right of its label (wrapped lines included), the work summary is
the paragraph beside its tall label, and the fill date is the header's 填表日期 or the
date under the unit's opinion."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import (
    ADDRESS,
    BIRTH,
    ETHNICITY,
    GENDER,
    ID_NUMBER,
    NAME,
    Spec,
    from_hit,
    id_anywhere,
    last_date_line,
    put,
    read_fields,
    stop_pattern,
)
from extractors.layout import DocLayout, field_value
from pipeline.types import Document, FieldValue

SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    Spec("ethnicity", ETHNICITY, "ethnicity"),
    Spec("birth_date", BIRTH, "date"),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("address", ["注册地址", "住所", *ADDRESS], "address", multiline=True),
    Spec("employer", ["工作单位", "所在单位", "单位名称"], "org", multiline=True),
    Spec("org_name", ["机构名称", "单位名称", "组织名称"], "org", multiline=True),
    Spec("uscc", ["统一社会信用代码", "信用代码", "统一社会"], "code"),
    Spec("legal_representative", ["法定代表人", "法人代表"], "name"),
    Spec("political_status", ["政治面貌"], "political", multiline=True),
    Spec("education_level", ["文化程度", "最高学历", "学历"], "education"),
    Spec("phone", ["手机号码", "联系手机", "联系电话", "手机", "电话"], "phone"),
    Spec("email", ["电子信箱", "电子邮箱", "邮箱", "E-?mail"], "email"),
)
OCCUPATION_LABELS = ["申请专家组专业", "申报考评", "申报考评职业工种", "申报职业", "申请职业\\(工种\\)", "申请职业",
                     "考评职业", "督导职业", "从事职业"]
SUMMARY_LABELS = ["工作简历", "工作简介", "督导工作", "工作经历", "培训评价工作经历", "个人简历", "主要工作经历",
                  "工作简"]  # a tall label may come back cut: 工作简 + 介
OTHER = ["职务", "职称", "工作年限", "照片", "年龄", "所在地区", "所在", "地区", "专业技术", "职业资格", "联系人",
         "机构类型", "承诺声明", "单位意见", "推荐单位", "其他情况", "备注", "是否获得", "原质量督导员", "证卡号",
         "承担任务", "机构基本情况", "申请单位", "地市推荐", "二寸彩色", "工作简历", "工作简介", "及等级", "职业工种",
         "\\(不超过", "及邮编", "经历", "\\(不少于"]


def _occupations(lay: DocLayout, stop: re.Pattern[str]) -> FieldValue | None:
    for label in OCCUPATION_LABELS:
        hit = lay.value([label], stop, multiline=True)
        if hit is None:
            continue
        items = nz.split_list(hit.text)
        items = [i for i in items if 1 < len(i) <= 20 and not re.search(r"\d", i)]
        if items:
            return field_value(items, hit.lines, 1.0)
    return None


def _summary(lay: DocLayout, fields: dict[str, FieldValue]) -> FieldValue | None:
    """The paragraph beside the summary label, without lines already read as other
    fields' values (the address or occupations cell just above it)."""
    used = [fv.bbox for fv in fields.values() if fv.bbox is not None]
    for label in SUMMARY_LABELS:
        for ln, _s, _e in lay.find(label):
            hit = lay.paragraph_beside([ln], min_chars=30, exclude=used)
            if hit is not None:
                return field_value(nz.cjk_punct(hit.text), hit.lines, 1.0)
    return None


def _fill_date(lay: DocLayout, stop: re.Pattern[str]) -> FieldValue | None:
    hit = lay.value(["填表日期", "填表时间", "填报日期", "申报日期"], stop, join_row=True)
    if hit is not None:
        got = nz.parse_date(hit.text)
        if got:
            return field_value(got[0], hit.lines, got[1])
    got = last_date_line(lay, exclude=("出生", "生"))
    # A month alone (1971.08) is a birth-month cell, not the signing date.
    return got if got is not None and len(str(got.value)) == 10 else None


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    labels = [lb for s in SPECS for lb in s.labels] + OCCUPATION_LABELS + SUMMARY_LABELS + OTHER
    stop = stop_pattern(labels)
    fields = read_fields(lay, SPECS, labels)
    if "id_number" not in fields or fields["id_number"].confidence < 0.5:
        if "uscc" not in fields:
            put(fields, "id_number", id_anywhere(lay))
    if "uscc" in fields:
        got = nz.normalize_uscc(str(fields["uscc"].value))
        if got:
            fields["uscc"] = fields["uscc"].model_copy(
                update={"value": got[0], "confidence": round(fields["uscc"].confidence * got[1], 3)})
    if "org_name" in fields and "employer" in fields and fields["org_name"].value == fields["employer"].value:
        del fields["employer"]
    if "name" not in fields or fields["name"].confidence < 0.6:
        # The applicant signs the pledge: 承诺人（本人签名）：张三 2026年3月7日.
        hit = lay.prose().search(rf"承诺人(?:\(本人签名\))?\s*:?\s*([{nz.CJK}·]{{2,4}}?)\s*(?:\d|\n|$)", flat=False)
        put(fields, "name", from_hit(hit, "name"))
    put(fields, "occupations", _occupations(lay, stop))
    put(fields, "work_summary", _summary(lay, fields))
    put(fields, "fill_date", _fill_date(lay, stop))
    return fields
