"""居民身份证: portrait side (name, gender, ethnicity, birth, address, ID number) and
national-emblem side (issuing authority, validity); one document may hold both sides."""

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
    id_anywhere,
    put,
    read_fields,
)
from extractors.layout import DocLayout, field_value
from pipeline.types import Document, FieldValue

SPECS = (
    Spec("name", NAME, "name"),
    Spec("gender", GENDER, "gender"),
    # anywhere: a row read as one box, 性别女民族汉, holds the label in its middle
    Spec("ethnicity", ETHNICITY, "ethnicity", anywhere=True),
    Spec("birth_date", BIRTH, "date"),
    Spec("address", ADDRESS, "address", multiline=True),
    Spec("id_number", ID_NUMBER, "id"),
    Spec("issuing_authority", ["签发机关"], "org"),
)
OTHER_LABELS = ["有效期限", "中华人民共和国", "居民身份证"]


def _validity(lay: DocLayout) -> dict[str, FieldValue]:
    """有效期限 2022.05.01-2042.05.01 (or -长期), the range on one row after the label."""
    stop = re.compile("签发机关")
    hit = lay.value(["有效期限", "有效期"], stop, join_row=True)
    if hit is None:
        return {}
    text = hit.text
    out: dict[str, FieldValue] = {}
    dates = nz.find_dates(text)
    if dates:
        out["valid_from"] = field_value(dates[0].value, hit.lines, dates[0].quality)
        if "长期" in text[dates[0].end:]:
            out["valid_to"] = field_value("长期", hit.lines, 1.0)
        elif len(dates) > 1:
            out["valid_to"] = field_value(dates[1].value, hit.lines, dates[1].quality)
    return out


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    fields = read_fields(lay, SPECS, OTHER_LABELS)
    if "id_number" not in fields or fields["id_number"].confidence < 0.5:
        put(fields, "id_number", id_anywhere(lay))
    fields.update(_validity(lay))
    idn = fields.get("id_number")
    if "gender" not in fields and idn is not None and nz.id_valid(str(idn.value)):
        # The glyph after 性别 lost (or the label misread, 性制女): GB 11643 writes the
        # gender in the 17th digit, odd for men; derived, so no box of its own.
        g = "男" if int(str(idn.value)[16]) % 2 else "女"
        fields["gender"] = field_value(g, [], 0.9 * idn.confidence)
    return fields
