"""职业技能等级证书 (new, key/value list) and the older 职业资格证书 booklet: occupation with
工种 in brackets, level words to 1-5, certificate number, issue date and issuer."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import (
    BIRTH,
    CERT_NO,
    GENDER,
    ID_NUMBER,
    NAME,
    Spec,
    id_anywhere,
    lost_head,
    put,
    read_fields,
    stop_pattern,
)
from extractors.layout import DocLayout, field_value
from pipeline.types import Document, FieldValue

SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    Spec("birth_date", BIRTH, "date"),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("skill_level", ["职业技能等级", "技能等级", "等级"], "skill"),
    Spec("certificate_number", CERT_NO, "code"),
    Spec("issue_date", ["发证日期", "颁证日期", "发证时间", "认定日期"], "date"),
    Spec("issuer", ["评价机构", "发证机关", "发证机构", "发证单位", "认定机构"], "org"),
)
# 职业(工种)及等级 heads the old booklet's entries, with the occupation and the level on
# the lines under it; the new certificate prints 职业名称 and 工种/职业方向 on rows of their own.
OCC_LABELS = ["职业\\(工种\\)及等级", "职业\\(工种\\)", "职业名称", "职业工种", "职业"]
JOB_LABELS = ["工种/职业方向", "工种\\(职业方向\\)", "职业方向", "工种"]
OTHER = ["证件类型", "本证书", "理论知识", "操作技能", "评定成绩", "文化程度"]


def _occupation(lay: DocLayout, stop: re.Pattern[str]) -> dict[str, FieldValue]:
    """电工(维修电工) -> occupation 电工, job_type 维修电工."""
    hit = lay.value(OCC_LABELS, stop)
    out: dict[str, FieldValue] = {}
    if hit is not None:
        t = hit.text.strip(" :")
        m = re.match(r"^([^()]+?)\s*\(([^()]*)\)?$", t)
        if m:
            out["occupation"] = field_value(m.group(1), hit.lines, 1.0)
            if m.group(2):
                out["job_type"] = field_value(m.group(2), hit.lines, 1.0 if t.endswith(")") else 0.7)
        elif not re.search(r"[一二三四五]级|技师|高级工|中级工|初级工|国家职业资格", t):
            out["occupation"] = field_value(t, hit.lines, 1.0)
    job = lay.value(JOB_LABELS, stop)
    if job is not None and job.text.strip(" :"):
        out["job_type"] = field_value(job.text.strip(" :"), job.lines, 1.0)
    if "occupation" in out and "job_type" not in out:
        # One name under 职业(工种): the 工种 is the occupation itself (the booklet prints
        # the finer of the two when there is one).
        occ = out["occupation"]
        out["job_type"] = occ.model_copy(update={"confidence": round(0.9 * occ.confidence, 3)})
    return out


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    fields = read_fields(lay, SPECS, OCC_LABELS + JOB_LABELS + OTHER)
    stop = stop_pattern([lb for s in SPECS for lb in s.labels] + OCC_LABELS + JOB_LABELS + OTHER)
    fields.update(_occupation(lay, stop))
    if "id_number" not in fields or fields["id_number"].confidence < 0.5:
        put(fields, "id_number", id_anywhere(lay))
    if "name" not in fields:
        put(fields, "name", lost_head(lay, "名", "name"))
    if "gender" not in fields:
        put(fields, "gender", lost_head(lay, "别", "gender"))
    date, number = fields.get("issue_date"), fields.get("certificate_number")
    if date is not None and number is not None and nz.issue_year_agrees(str(date.value), str(number.value)) is False:
        # The number states another year: one of the two was misread; say so in the
        # confidence, so the date is looked at rather than trusted.
        fields["issue_date"] = date.model_copy(update={"confidence": round(0.4 * date.confidence, 3)})
    if "issuer" not in fields and lay.seal_texts:
        fields["issuer"] = field_value(lay.seal_texts[0], [], 0.5)  # the line under the seal was not read
    if "skill_level" not in fields:
        for ln in lay.lines:
            if re.search(r"[一二三四五]级|技师|高级工|中级工|初级工", ln.text) and "证书" not in ln.text:
                lvl = nz.skill_level(ln.text)
                if lvl:
                    fields["skill_level"] = field_value(lvl, [ln], 0.7)
                    break
    return fields
