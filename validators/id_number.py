"""Every ID number the applicant gave (on each document and in the roster) against GB 11643:
length, digits, check digit, a real birth date not after the batch date, and a region
code that the code table knows and that was not abolished before the holder's birth
(pipeline.gb11643: a number keeps its code when districts are re-coded later, so a code
created after the birth year is no evidence). A number whose only fault is its region
code (check digit right) is more likely a gap in the table than a forgery, so it is
reported with a confidence that asks for review, not a reject.

An OCR slip of one digit also breaks the check digit, so the finding's confidence is the
field's: a number read with low confidence gives a finding a human reviews, not a reject.
Each distinct number is reported once, with every document that carries it.
"""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.types import Finding, Severity
from validators.common import (
    REGION_PROBLEMS,
    Source,
    clean_id,
    field_sources,
    finding,
    id_problem,
    labels,
    refs,
)


def check(ctx: ApplicantContext) -> list[Finding]:
    by_number: dict[str, list[Source]] = {}
    for s in field_sources(ctx, "id_number", roster_column="身份证号"):
        by_number.setdefault(clean_id(s.value), []).append(s)
    findings = []
    for number, sources in by_number.items():
        problem = id_problem(number, ctx.batch_date)
        if problem is None:
            continue
        confidence = max(s.confidence for s in sources)
        if problem in REGION_PROBLEMS:  # check digit right: more likely a gap in the code table
            confidence = min(confidence, 0.6)
        findings.append(finding(
            "ID_NUMBER_INVALID", Severity.ERROR,
            f"{labels(sources)}上的身份证号 {number} 不符合国家标准（{problem}）",
            confidence, subject="id_number", documents=refs(sources),
            expected="符合GB 11643的18位身份证号", found=number,
        ))
    return findings
