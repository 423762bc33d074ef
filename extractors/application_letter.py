"""推荐函 / 承诺书 / 申请书: the organisation the letter is about and the date.

A 承诺书 or 申请书 is signed by the applying organisation itself (its name on the line
above the date at the foot of the letter, else the seal's text). A 推荐函 is written by a
department (the notices' template: 我单位推荐 X（统一社会信用代码：…）申报…): its
`org_name` is the organisation recommended, which the filing is about, and the signing
department is kept as `issuer` (the seal it bears is the department's)."""

from __future__ import annotations

from extractors import normalize as nz
from extractors.common import from_hit, last_date_line
from extractors.layout import DocLayout, field_value
from extractors.work_certificate import signer
from pipeline.types import Document, FieldValue

RECOMMEND_HEAD_LINES = 5  # heading, letter number and a wrapped title of a 公函 come before 推荐
ORG_END = r"(?:有限责任公司|股份有限公司|有限公司|公司|学校|学院|大学|中心|协会|学会|研究院|院|集团|厂|所|站)"


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    pr = lay.prose()
    fields: dict[str, FieldValue] = {}
    date = last_date_line(lay)
    if date is not None:
        fields["issue_date"] = date
    sig = signer(lay, date.bbox if date else None, near_only=True)
    if sig is None and lay.seal_texts:
        sig = field_value(lay.seal_texts[0], [], 0.6)
    # 兹推荐 X（统一社会信用代码…）申报… or, in a 公函, 关于推荐 X 申请…的函 and 我会对 X（统一社会信用代码…）.
    subject = (pr.search(rf"推荐\s*([{nz.CJK}()]{{4,40}}?{ORG_END})\s*(?:\(|（|申报|申请|参加|作为|为|,|。)")
               or pr.search(rf"对\s*([{nz.CJK}]{{4,40}}?{ORG_END})\s*[(（]\s*(?:统一社会信用代码|信用代码)"))
    if subject is not None and "推荐" in "".join(ln.text for ln in lay.lines[:RECOMMEND_HEAD_LINES]):
        org = from_hit(subject, "org")
        if org is not None:
            fields["org_name"] = org
        code = pr.search(r"(?:统一社会信用代码|信用代码)\s*:?\s*([0-9A-Z]{18})")
        if code is not None:
            got = nz.normalize_uscc(code.text)
            if got:
                fields["uscc"] = field_value(got[0], code.lines, got[1])
        if sig is not None:
            fields["issuer"] = sig
    elif sig is not None:
        fields["org_name"] = sig
    return fields
