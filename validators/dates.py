"""Dates that cannot be right, and an ID card expired at the batch date.

DATE_IMPLAUSIBLE: a date that must lie in the past (birth, issue, study, work start, form
filled) after the batch date; a date on the applicant's papers before their birth; a
diploma issued, or studies ended, before studies began; a validity that ends before it
starts; a skill or title certificate, examiner card or start of work at an age under 16.
ID_CARD_EXPIRED: the ID card's 有效期至 before the batch date (长期 never expires).

A date known only to the month (YYYY-MM) is judged so that it could not be right on any
day of that month, so month precision never raises a finding by itself. Confidence is
the product of the confidences of the readings involved.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from pipeline.context import ApplicantContext
from pipeline.messages import field_name
from pipeline.types import DocType, Document, Finding, Severity
from validators.common import PERSON_TYPES, age_at, applicant_birth, doc_label, finding, parse_date

PAST_FIELDS = ("birth_date", "valid_from", "study_start", "study_end", "issue_date", "start_date",
               "fill_date", "established_date")
# Dates of the applicant's own life, on the applicant's own papers, that cannot precede birth.
AFTER_BIRTH_FIELDS = ("valid_from", "study_start", "study_end", "issue_date", "start_date", "fill_date")
MIN_WORK_AGE = 16
AGE_CHECKED = {DocType.SKILL_CERTIFICATE: "issue_date", DocType.TITLE_CERTIFICATE: "issue_date",
               DocType.EXAMINER_CARD: "issue_date", DocType.WORK_CERTIFICATE: "start_date"}
PERMANENT = ("长期", "长久", "永久")


def _span(value: Any) -> tuple[dt.date, dt.date, str] | None:
    """(earliest, latest, text) a date reading may stand for."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    d, full = parsed
    if full:
        return d, d, d.isoformat()
    last = calendar.monthrange(d.year, d.month)[1]
    return d, d.replace(day=last), d.strftime("%Y-%m")


def _conf(doc: Document, *keys: str) -> float:
    out = 1.0
    for k in keys:
        fv = doc.fields.get(k)
        out *= fv.confidence if fv is not None else 1.0
    return out


def check(ctx: ApplicantContext) -> list[Finding]:
    person = ctx.profile.subject != "organisation"
    birth = applicant_birth(ctx) if person else None
    findings: list[Finding] = []

    def add(doc: Document, key: str, message: str, conf: float, expected: Any, found: Any) -> None:
        findings.append(finding("DATE_IMPLAUSIBLE", Severity.WARNING, f"{doc_label(doc.type)}：{message}",
                                conf, subject=key, documents=[doc.ref], expected=expected, found=found))

    for doc in ctx.documents:
        if doc.ref in ctx.foreign:  # another applicant's card, reported as such
            continue
        spans = {k: s for k in PAST_FIELDS if k in doc.fields and (s := _span(doc.fields[k].value))}
        for key, (early, _late, text) in spans.items():
            if early > ctx.batch_date:
                add(doc, key, f"{field_name(key)}“{text}”晚于审核日期 {ctx.batch_date.isoformat()}",
                    _conf(doc, key), f"不晚于{ctx.batch_date.isoformat()}", text)
        if birth is not None and doc.type in PERSON_TYPES:
            bdate, bconf = birth
            for key in AFTER_BIRTH_FIELDS:
                if key in spans and spans[key][1] < bdate:
                    add(doc, key, f"{field_name(key)}“{spans[key][2]}”早于出生日期 {bdate.isoformat()}",
                        _conf(doc, key) * bconf, f"晚于{bdate.isoformat()}", spans[key][2])
            age_key = AGE_CHECKED.get(doc.type)
            if age_key in spans and spans[age_key][1] >= bdate:
                age = age_at(bdate, spans[age_key][1])
                if age < MIN_WORK_AGE:
                    add(doc, age_key, f"{field_name(age_key)}“{spans[age_key][2]}”时申请人仅 {age} 岁",
                        _conf(doc, age_key) * bconf, f"年满{MIN_WORK_AGE}岁", f"{age}岁")
        _order(doc, spans, add)
        if doc.type == DocType.ID_CARD:
            findings.extend(_expiry(doc, ctx.batch_date, add))
        elif doc.type == DocType.EXAMINER_CARD and "issue_date" in spans:
            end = _span(doc.fields["valid_to"].value) if "valid_to" in doc.fields else None
            if end is not None and end[1] < spans["issue_date"][0]:
                add(doc, "valid_to", f"有效期至“{end[2]}”早于发证日期“{spans['issue_date'][2]}”",
                    _conf(doc, "valid_to", "issue_date"), f"晚于{spans['issue_date'][2]}", end[2])
    return findings


def _order(doc: Document, spans: dict[str, tuple[dt.date, dt.date, str]], add: Any) -> None:
    """Study start before study end and before the diploma's issue date."""
    if doc.type not in (DocType.DIPLOMA, DocType.DEGREE) or "study_start" not in spans:
        return
    start = spans["study_start"]
    for key in ("study_end", "issue_date"):
        if key in spans and spans[key][1] < start[0]:
            add(doc, key, f"{field_name(key)}“{spans[key][2]}”早于入学时间“{start[2]}”",
                _conf(doc, key, "study_start"), f"晚于{start[2]}", spans[key][2])


def _expiry(doc: Document, batch_date: dt.date, add: Any) -> list[Finding]:
    fv = doc.fields.get("valid_to")
    if fv is None or not str(fv.value).strip() or any(w in str(fv.value) for w in PERMANENT):
        return []
    end = _span(fv.value)
    if end is None:
        return []
    start = _span(doc.fields["valid_from"].value) if "valid_from" in doc.fields else None
    if start is not None and end[1] <= start[0]:
        add(doc, "valid_to", f"有效期至“{end[2]}”不晚于有效期起“{start[2]}”",
            _conf(doc, "valid_to", "valid_from"), f"晚于{start[2]}", end[2])
        return []
    if end[1] >= batch_date:
        return []
    return [finding("ID_CARD_EXPIRED", Severity.WARNING,
                    f"身份证有效期至 {end[2]}，审核日期 {batch_date.isoformat()} 时已过期", fv.confidence,
                    subject="valid_to", documents=[doc.ref], expected=f"不早于{batch_date.isoformat()}",
                    found=end[2])]
