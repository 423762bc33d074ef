"""学位证书: "X,女,1998年3月31日生。在 <school><major>专业完成了…授予工学学士学位", the
证书编号 line and the issue date in upper-case Chinese (二〇一九年六月三十日)."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import CERT_NO, ID_NUMBER, Spec, last_date_line, put, read_fields
from extractors.diploma import from_hit_span, prose_person
from extractors.layout import DocLayout
from pipeline.types import Document, FieldValue

CJ = nz.CJK
SPECS = (
    Spec("id_number", ID_NUMBER, "id"),
    Spec("certificate_number", CERT_NO, "code"),
)


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    pr = lay.prose()
    fields: dict[str, FieldValue] = {}
    prose_person(pr, fields)
    for k, v in read_fields(lay, SPECS, ["学位评定委员会"]).items():
        put(fields, k, v)
    m = re.search(rf"生\s*[。.,]?\s*在\s*([{CJ}]{{2,20}}?(?:大学|学院|学校))\s*([{CJ}()、与及]{{2,24}}?)\s*专业", pr.flat)
    if m:
        put(fields, "school", from_hit_span(pr, m, 1, "org"))
        put(fields, "major", from_hit_span(pr, m, 2, "text"))
    else:
        m = re.search(rf"([{CJ}]{{2,20}}?(?:大学|学院|学校))\s*校长", pr.flat)
        if m:
            put(fields, "school", from_hit_span(pr, m, 1, "org"))
    for pat in (rf"授予\s*[{CJ}]{{0,6}}?(学士|硕士|博士)\s*学位", r"(学士|硕士|博士)\s*学位证书"):
        m = re.search(pat, pr.flat)
        if m:
            put(fields, "education_level", from_hit_span(pr, m, 1, "text"))
            break
    date = last_date_line(lay, exclude=("生",))
    if date is not None:
        fields["issue_date"] = date
    return fields
