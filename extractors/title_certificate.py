"""专业技术资格证书 / 职称证书: 专业, 资格名称, 级别 (derived from the title name when the
certificate does not print it), 批准时间, 证书编号 and the issuing department."""

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
)
from extractors.layout import DocLayout, field_value
from models.nlp import orgs
from pipeline.types import Document, FieldValue

SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    Spec("birth_date", BIRTH, "date"),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("specialty", ["专业名称", "专业(?!技术)"], "text"),
    Spec("title_name", ["资格名称", "职称名称", "资格", "职称"], "text"),
    Spec("title_level", ["资格级别", "级别", "等级"], "text"),
    Spec("issue_date", ["批准时间", "批准日期", "评审时间", "发证日期", "取得时间"], "date"),
    Spec("certificate_number", CERT_NO, "code"),
    Spec("issuer", ["发证机关", "发证单位", "评审机构"], "org"),
)
OTHER = ["工作单位", "专业技术资格证书"]


def _specialty_by_row(lay: DocLayout) -> dict[str, FieldValue]:
    """专 业 is a short label OCR often garbles (亦车): its row is the one just above
    资格名称 in the label column, so take the value on that row, at a lower confidence."""
    for lab, _s, _e in lay.find("资格名称"):
        above = [b for b in lay.lines if b.region == lab.region and abs(b.bbox[0] - lab.bbox[0]) <= 1.5 * lab.h
                 and 0.5 * lab.h < lab.cy - b.cy <= 2.2 * lab.h]
        if not above:
            continue
        row_label = max(above, key=lambda b: b.cy)
        right = lay.right_of(row_label)
        if right and not re.match(r"工作单位|身份证|出生|性别|姓名", right[0].text):
            return {"specialty": field_value(right[0].text, right, 0.6)}
    return {}


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    fields = read_fields(lay, SPECS, OTHER)
    if "specialty" not in fields:
        fields.update(_specialty_by_row(lay))
    if "specialty" not in fields:
        hit = next((ln for ln in lay.lines if re.fullmatch(r"业[\u4e00-\u9fff]{2,10}", ln.text)), None)
        if hit is not None:  # 专 of `专  业` lost: `业会计`
            fields["specialty"] = field_value(hit.text[1:], [hit], 0.6)
    if "id_number" not in fields or fields["id_number"].confidence < 0.5:
        put(fields, "id_number", id_anywhere(lay))
    if "name" not in fields:
        put(fields, "name", lost_head(lay, "名", "name"))
    if "gender" not in fields:
        put(fields, "gender", lost_head(lay, "别", "gender"))
    name = fields.get("title_name")
    lvl_text = fields.get("title_level")
    level = nz.title_level(str(lvl_text.value) if lvl_text else None, str(name.value) if name else None)
    if level is None:
        fields.pop("title_level", None)
    elif lvl_text is not None and level in str(lvl_text.value):
        fields["title_level"] = lvl_text.model_copy(update={"value": level})
    elif name is not None:
        # Not printed (or unreadable): derived from the title's name, so no box of its own.
        fields["title_level"] = field_value(level, [], 0.8 * name.confidence)
    if "issuer" not in fields:
        # 经…职称评审委员会评审通过，<issuer>核准: the committee only reviewed; the body
        # that approved (and seals) issued the certificate.
        hit = lay.prose().search(rf"(?:通过|审定)\s*[,，]?\s*([{nz.CJK}]{{4,30}}?(?:厅|局|部|委员会|办公室))\s*(?:核准|批准|颁发)")
        if hit is not None:
            fields["issuer"] = field_value(hit.text, hit.lines, 0.9)
    if "issuer" not in fields:
        for ln in lay.lines:
            if re.match(r"经.*评审", ln.text):
                continue  # the reviewing committee, not the issuer
            found = [o for o in orgs(ln.text) if re.search(r"(厅|局|委员会|办公室)$", o)]
            if found:
                fields["issuer"] = field_value(found[0], [ln], 0.8)
                break
    if "issuer" not in fields and lay.seal_texts:
        fields["issuer"] = field_value(lay.seal_texts[0], [], 0.5)
    return fields
