"""推荐函 / 承诺书 / 申请书: the organisation that signs (its name on the line above the
date at the foot of the letter, else the seal's text) and the date."""

from __future__ import annotations

from extractors.common import last_date_line
from extractors.layout import DocLayout, field_value
from extractors.work_certificate import signer
from pipeline.types import Document, FieldValue


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    fields: dict[str, FieldValue] = {}
    date = last_date_line(lay)
    if date is not None:
        fields["issue_date"] = date
    sig = signer(lay, date.bbox if date else None, near_only=True)
    if sig is not None:
        fields["org_name"] = sig
    elif lay.seal_texts:
        fields["org_name"] = field_value(lay.seal_texts[0], [], 0.6)
    return fields
