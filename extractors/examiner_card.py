"""考评员证 / 质量督导员证: card number, occupation, role (类别, else the card's title),
issue and expiry dates, and the issuing centre printed on the cover side."""

from __future__ import annotations

import re

from extractors.common import GENDER, ID_NUMBER, NAME, Spec, id_anywhere, put, read_fields
from extractors.layout import DocLayout, field_value
from models.nlp import orgs
from pipeline.types import Document, FieldValue

SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("occupation", ["职业\\(工种\\)", "职业名称", "考评职业", "督导职业", "职业"], "text"),
    Spec("role", ["类别", "人员类别", "资格类别"], "text"),
    Spec("card_number", ["证卡号", "证书编号", "证号", "卡号", "编号"], "code"),
    Spec("issue_date", ["发证日期", "发证时间", "核发日期"], "date"),
    Spec("valid_to", ["有效期至", "有效期限", "有效期"], "date"),
    Spec("issuer", ["发证机关", "发证单位", "发证机构"], "org"),
)
ROLES = ("高级考评员", "质量督导员", "考评员")


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    fields = read_fields(lay, SPECS, ["技能人才评价"])
    if "id_number" not in fields or fields["id_number"].confidence < 0.5:
        put(fields, "id_number", id_anywhere(lay))
    role = fields.get("role")
    if role is not None:
        word = next((r for r in ROLES if r in str(role.value)), None)
        if word:
            fields["role"] = role.model_copy(update={"value": word})
        else:
            fields.pop("role")
    if "role" not in fields:
        for ln in lay.lines:
            m = re.fullmatch(r"(高级考评员|质量督导员|考评员)证(?:卡)?", ln.text)
            if m:
                fields["role"] = field_value(m.group(1), [ln], 0.9)
                break
    if "issuer" not in fields:
        for ln in lay.lines:
            found = [o for o in orgs(ln.text) if o == ln.text.strip()]
            if found:
                fields["issuer"] = field_value(found[0], [ln], 0.9)
                break
    return fields
