"""毕业证书: the sentence "学生 X，性别 X，YYYY年M月D日生，于 … 至 … 在本校 X 专业 N年制本科 学习"
plus 校名 / 证书编号 lines and the issue date printed on its own line."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import (
    CERT_NO,
    GENDER,
    ID_NUMBER,
    NAME,
    Spec,
    from_hit,
    last_date_line,
    put,
    read_fields,
)
from extractors.layout import DocLayout, Hit, Prose, field_value
from models.nlp import orgs
from pipeline.types import Document, FieldValue

CJ = nz.CJK
SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("school", ["校名", "学校名称", "学校"], "org"),
    Spec("major", ["专业"], "text"),
    Spec("certificate_number", CERT_NO, "code"),
)
OTHER = ["校\\(院\\)长", "校长", "学信网"]
KIND_WORDS = (("研究生", "研究生"), ("本科", "大学本科"), ("专科", "大学专科"), ("大专", "大学专科"),
              ("中专", "中专"), ("高中", "高中"), ("技校", "技校"))


def prose_person(pr: Prose, fields: dict[str, FieldValue]) -> None:
    """Name, gender and birth date from "学生 X,性别 X,1996年5月3日生" or "X,女,1998年3月31日生"."""
    m = re.search(rf"(?:学生|姓名)\s*:?\s*([{CJ}·]{{2,5}}?)\s*[,，]?\s*性别\s*:?\s*([男女])", pr.flat)
    if m is None:
        m = re.search(rf"(?:^|[。\n])\s*([{CJ}·]{{2,5}}?)\s*[,，]\s*([男女])\s*[,，]", pr.text)
        flat = False
    else:
        flat = True
    if m:
        put(fields, "name", from_hit_span(pr, m, 1, "name", flat))
        put(fields, "gender", from_hit_span(pr, m, 2, "gender", flat))
    for d in nz.find_dates(pr.flat):
        tail = pr.flat[d.end:d.end + 2]
        if tail.startswith("生") or tail.startswith("出生"):
            put(fields, "birth_date", field_value(d.value, pr.lines_of(d.start, d.end), d.quality))
            break


def from_hit_span(pr: Prose, m: re.Match[str], g: int, kind: str, flat: bool = True) -> FieldValue | None:
    """A regex group of the prose as a field, boxed by the lines the group spans."""
    return from_hit(Hit(m.group(g), pr.lines_of(m.start(g), m.end(g), flat)), kind)


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    pr = lay.prose()
    fields: dict[str, FieldValue] = {}
    prose_person(pr, fields)
    for k, v in read_fields(lay, SPECS, OTHER).items():
        put(fields, k, v)
    # 于 2014年9月 至 2017年6月 在本校 护理学 专业 三年制专科 学习
    m = re.search(r"于\s*(.{6,16}?)\s*至\s*(.{6,16}?)\s*在", pr.flat)
    if m:
        for key, g in (("study_start", 1), ("study_end", 2)):
            got = nz.parse_date(m.group(g))
            if got:
                put(fields, key, field_value(got[0][:7], pr.lines_of(m.start(g), m.end(g)), got[1]))
    m = re.search(rf"(?:在本校|在)\s*([{CJ}()、与及]{{2,24}}?)\s*专业", pr.flat)
    if m and "major" not in fields:
        put(fields, "major", from_hit_span(pr, m, 1, "text"))
    m = re.search(r"专业\s*(.{0,12}?)\s*(?:学习|毕业)", pr.flat)
    seg = m.group(1) if m else pr.flat
    for word, level in KIND_WORDS:
        if word in seg:
            lines = pr.lines_of(m.start(1), m.end(1)) if m else []
            put(fields, "education_level", field_value(level, lines, 1.0 if m else 0.6))
            break
    if "school" not in fields:
        names = [o for o in orgs(pr.text) if re.search("(大学|学院|学校)$", o)]
        if names:
            hit = pr.search(re.escape(names[0]), 0, flat=False)
            put(fields, "school", from_hit(hit, "org"))
    date = last_date_line(lay, exclude=("生", "至"))
    if date is not None:
        fields["issue_date"] = date
    return fields
