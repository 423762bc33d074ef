"""推荐表 / 申报表 (person forms) and 备案申请表 (organisation forms): real tables, so a
value is the next cell right of its label (wrapped lines included), the work summary is
the paragraph beside its tall label, and the fill date is the header's 填表日期 or the
date under the unit's opinion."""

from __future__ import annotations

import re
import statistics

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
from extractors.layout import TABLE_CELL_REACH, DocLayout, Line, field_value
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
OCCUPATION_LABELS = ["申请专家组专业", "申报考评职业\\(工种\\)", "申报考评职业工种", "申报考评", "申报职业\\(工种\\)", "申报职业", "申请职业\\(工种\\)", "申请职业",
                     "考评职业", "督导职业", "从事职业"]
SUMMARY_LABELS = ["工作简历", "工作简介", "督导工作", "工作经历", "培训评价工作经历", "个人简历", "主要工作经历",
                  "工作简"]  # a tall label may come back cut: 工作简 + 介
OTHER = ["职务", "职称", "工作年限", "照片", "年龄", "所在地区", "所在", "地区", "专业技术", "职业资格", "联系人",
         "机构类型", "承诺声明", "单位意见", "推荐单位", "其他情况", "备注", "是否获得", "原质量督导员", "证卡号",
         "承担任务", "机构基本情况", "申请单位", "地市推荐", "二寸彩色", "工作简历", "工作简介", "及等级", "职业工种",
         "\\(不超过", "及邮编", "经历", "\\(不少于"]


OCC_SUFFIX = re.compile(r"[工师员手家]$")
SECTION = re.compile(r"^[一二三四五六七八九十]+、")


def _cell_items(parts: list[str]) -> list[str]:
    """A value cell's lines as list items: a line ending an occupation's name (工/师/员)
    ends an item, so names one per line are not run together (砌筑工 / 工具钳工) while a
    long name wrapped over two lines stays one. A bracket holds the 工种 or a note
    (车工(数控车工), 钢筋工(详见第2页)): the occupation is what precedes it."""
    text = "".join(p + ("、" if OCC_SUFFIX.search(p) else "") for p in parts)
    text = re.sub(r"\([^()]*\)?", "", text)
    return [i for i in nz.split_list(text) if 1 < len(i) <= 20 and not re.search(r"\d", i)]


def _occupation_table(lay: DocLayout) -> FieldValue | None:
    """The filing form's table 申报职业(工种)及等级 (序号 | 职业名称 | 工种 | 申报等级): the
    names in the 职业名称 column, under its header, until the next section."""
    for head, _s, _e in lay.find(r"职业名称$|职业\(工种\)名称$|职业\(工种\)$"):
        if not any(lay.same_row(head, b) and re.match(r"序号|工种|等级|申报等级", b.text) for b in lay.lines
                   if b is not head):
            continue
        x0, x1 = head.bbox[0] - 2 * head.h, head.bbox[2] + 2 * head.h
        col = sorted((b for b in lay.lines if b.region == head.region and b.cy > head.bbox[3]
                      and x0 <= (b.bbox[0] + b.bbox[2]) / 2 <= x1), key=lambda b: b.cy)
        rows = [b for b in lay.lines if b.region == head.region and b.cy > head.bbox[3]]
        end = min((b.cy for b in rows if SECTION.match(b.text)), default=float("inf"))
        cells = [b for b in col if b.cy < end]
        items = [i for i in _cell_items([b.text for b in cells]) if not re.fullmatch(r"[一二三四五]级.*|.*级", i)]
        if items:
            return field_value(list(dict.fromkeys(items)), cells, 1.0)
    return None


def _occupations(lay: DocLayout, stop: re.Pattern[str]) -> FieldValue | None:
    table = _occupation_table(lay)
    if table is not None:
        return table
    for label in OCCUPATION_LABELS:
        hit = lay.value([label], stop, multiline=True)
        if hit is None:
            continue
        more = hit.lines[1:]
        tail = sum(len(b.text) for b in more)
        items = _cell_items([hit.text[: len(hit.text) - tail], *(b.text for b in more)])
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
                more = _runs_on(lay, hit.lines)
                text = hit.text + "".join(b.text for b in more)
                return field_value(nz.cjk_punct(text), hit.lines + more, 1.0)
    return None


FOOTER = re.compile(r"^(?:-?\s*\d+\s*-?|第\s*\d+\s*页.*|填表说明.*|\d\.\S.*)$")


def _runs_on(lay: DocLayout, block: list[Line]) -> list[Line]:
    """A summary cell that runs on to the next page (a word processor breaks a tall cell):
    when nothing but a footer follows the paragraph on its page, the lines at the top of
    the next page in the same column, up to the next label or a wider gap."""
    if not block:
        return []
    last = block[-1]
    x0 = min(b.bbox[0] for b in block)
    h = statistics.median(b.h for b in block)
    after = [b for b in lay.lines if b.region == last.region and b.cy > last.bbox[3] and not FOOTER.match(b.text)]
    if after:
        return []
    nxt = sorted((b for b in lay.lines if b.region == last.region + 1), key=lambda b: b.cy)
    out: list[Line] = []
    for b in nxt:
        if FOOTER.match(b.text) and not out:
            continue  # a running header or page number above the table
        if not x0 - 3 * h <= b.bbox[0] <= x0 + 4 * h or (out and b.cy - out[-1].cy > 2.2 * h):
            break
        if re.match(r"[\u4e00-\u9fff]{2,6}$", b.text) and b.bbox[2] - b.bbox[0] < 8 * h:
            break  # a label cell: the next row
        out.append(b)
    return out


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
    lay = DocLayout(doc, TABLE_CELL_REACH)
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
