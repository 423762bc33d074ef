"""工作证明: the employer's letter is prose, "兹有/兹证明 X 同志（身份证号：…）自YYYY年M月起在
<employer>（单位）<department>（部门）… N 年，现任<position>", signed by the employer and dated."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import from_hit, id_anywhere, last_date_line, put
from extractors.layout import DocLayout, Line, field_value
from models.nlp import orgs
from pipeline.types import Document, FieldValue

CJ = nz.CJK
# How letters state the years of work: 从事…工作 N 年 (the notices' 工作证明), 至今已满 N 年,
# 累计/共 N 年, N 年工作经历. Years in dates (自2019年) are never followed by these words.
WORK_YEARS = (
    r"工作\s*(?:了|已)?\s*([0-9]{1,2})\s*(?:余|多)?\s*(?:周)?年",
    r"(?:已满|满|已有|累计|共计|共|已达|超过)\s*([0-9]{1,2})\s*(?:余|多)?\s*(?:周)?年",
    r"([0-9]{1,2})\s*(?:余|多)?\s*年(?:的)?(?:工作|从业|相关)经[历验]",
    r"(?:工龄|工作年限|从业年限)\s*:?\s*([0-9]{1,2})\s*年",
)


def signer(lay: DocLayout, date_line_bbox: tuple[float, ...] | None, near_only: bool = False) -> FieldValue | None:
    """The organisation that signs: an organisation name alone on a line just above the
    signing date (else, unless near_only, the last such line of the letter). A line
    ending in a colon is the addressee (广东省人力资源和社会保障厅：), never the signer."""
    cands: list[Line] = []
    for ln in lay.lines:
        found = orgs(ln.text)
        if found and found[0] == ln.text.strip() and not ln.text.endswith(":"):
            cands.append(ln)
    if not cands:
        return None
    if date_line_bbox is not None:
        near = [c for c in cands if 0 < date_line_bbox[1] - c.bbox[1] < 4 * c.h]
        if near:
            c = near[-1]
            return field_value(nz.cjk_punct(c.text), [c], 1.0)
    if near_only:
        return None
    c = cands[-1]
    return field_value(nz.cjk_punct(c.text), [c], 0.8)


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    pr = lay.prose()
    fields: dict[str, FieldValue] = {}
    for pat in (rf"兹(?:有|证明)?\s*([{CJ}·]{{2,5}}?)\s*(?:同志|先生|女士)", rf"(?:证明|^)\s*([{CJ}·]{{2,5}}?)\s*(?:同志|先生|女士)"):
        put(fields, "name", from_hit(pr.search(pat), "name"))
        if "name" in fields:
            break
    put(fields, "id_number", from_hit(pr.search(r"身份证(?:号码|号)?\s*[:]?\s*([0-9A-Za-z×\s]{18,21})"), "id"))
    if "id_number" not in fields:
        put(fields, "id_number", id_anywhere(lay))
    m = re.search(r"自\s*(.{5,12}?)\s*(?:起|至今|以来)", pr.flat)
    if m:
        got = nz.parse_date(m.group(1))
        if got:
            put(fields, "start_date", field_value(got[0][:7], pr.lines_of(m.start(1), m.end(1)), got[1]))
    hit = pr.search(r"在\s*(.+?)\s*\(单位\)")
    if hit is not None:
        put(fields, "employer", from_hit(hit, "org"))
        put(fields, "department", from_hit(pr.search(r"\(单位\)\s*(.+?)\s*\(部[门内门]?\)"), "text"))
    else:
        put(fields, "department", from_hit(pr.search(rf"在(?:我|本|该)单位\s*([{CJ}]{{2,12}}?)\s*(?:工作|任职|从事)"), "text"))
        if "department" not in fields:
            h = pr.search(rf"在\s*[{CJ}()]{{4,30}}?(?:公司|学院|学校|中心|协会|大学)\s*([{CJ}]{{2,12}}?)\s*(?:工作|任职|从事)")
            put(fields, "department", from_hit(h, "text"))
    put(fields, "position", from_hit(pr.search(rf"(?:现任|担任|任)\s*([{CJ}A-Za-z0-9]{{2,12}}?)\s*(?:职务|一职)?\s*[,。;]"), "text"))
    for pat in WORK_YEARS:
        m = re.search(pat, pr.flat)
        if m:
            fields["work_years"] = field_value(int(m.group(1)), pr.lines_of(m.start(1), m.end(1)), 1.0)
            break
    date = last_date_line(lay)
    if date is not None:
        fields["issue_date"] = date
    sig = signer(lay, date.bbox if date else None)
    if "employer" not in fields:
        put(fields, "employer", sig)
    elif sig is None and not re.search(r"(公司|学院|学校|中心|协会|大学|局|院|所)$", str(fields["employer"].value)):
        fields["employer"] = fields["employer"].model_copy(update={"confidence": fields["employer"].confidence * 0.8})
    if "employer" not in fields and lay.seal_texts:
        fields["employer"] = field_value(lay.seal_texts[0], [], 0.5)
    return fields
