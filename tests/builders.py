"""Hand-built applicants for the tests of checks, decisions and calibration: documents
with set fields, an applicant's context with its profile and roster row, valid ID numbers.
One place, so a change to Document or ApplicantContext is made once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric

from pipeline.context import ApplicantContext, RosterRow
from pipeline.profile import load_profile
from pipeline.types import DocType, Document, FieldValue, Finding, OcrLine, PageText, Region, Seal

BATCH_DATE = dt.date(2026, 6, 30)
KEY = "001_张三"


def make_id(birth: str = "19900101", seq: str = "12", gender_digit: int = 3, region: str = "440106") -> str:
    """A valid GB 11643 number (check digit by stdnum)."""
    body = f"{region}{birth}{seq}{gender_digit}"
    return body + ric.calc_check_digit(body + "0")


ID_M = make_id()  # 男, born 1990-01-01
ID_F = make_id(gender_digit=4)  # 女


def fv(value: Any, conf: float) -> FieldValue:
    return FieldValue(value=value, confidence=conf)


def doc(doc_type: str | DocType, fields: dict[str, Any] | None = None, conf: float = 0.99, name: str | None = None,
        text: str = "", seals: list[Seal] | None = None, type_confidence: float = 0.95) -> Document:
    """A document with hand-set fields; a value given as FieldValue keeps its own confidence.
    `text`: one text-layer line (what a classifier or letter check reads); `name`: the file
    name without extension (documents of one name share a file and page)."""
    t = DocType(doc_type)
    values = {k: v if isinstance(v, FieldValue) else FieldValue(value=v, confidence=conf)
              for k, v in (fields or {}).items()}
    file = f"{KEY}/{name or t.value}.jpg"
    texts = []
    if text:
        texts = [PageText(file=file, page=1, region=Region(bbox=(0, 0, 10, 10)), engine="text_layer",
                          lines=[OcrLine(text=text, confidence=0.99, bbox=(0, 0, 10, 10))])]
    return Document(file=file, pages=[1], type=t, type_confidence=type_confidence, fields=values, texts=texts,
                    seals=seals or [])


def ctx(docs: list[Document], profile: str = "generic", roster: dict[str, str] | None = None,
        key: str = KEY, batch_date: dt.date = BATCH_DATE) -> ApplicantContext:
    row = RosterRow(row=2, values=roster, folder=key) if roster is not None else None
    return ApplicantContext(key=key, documents=docs, profile=load_profile(profile), batch_date=batch_date,
                            roster_row=row)


def card(name: str = "张三", idn: str = ID_M, conf: float = 0.99, **extra: Any) -> Document:
    return doc("id_card", {"name": name, "gender": "男", "birth_date": "1990-01-01", "id_number": idn, **extra},
               conf)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def one(findings: list[Finding], code: str) -> Finding:
    """The one finding of `code` (the assertion shows all findings when there is not exactly one)."""
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, [(f.code, f.message) for f in findings]
    return hits[0]
