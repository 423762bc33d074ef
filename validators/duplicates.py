"""The same ID number, or the same certificate number, in two applicants of one batch:
one person applying twice, or one applicant's papers copied into another's folder.

Only ID numbers that pass GB 11643 are compared (a misread number colliding with another
applicant's is not evidence of anything), and only certificate numbers of at least
six characters. For organisation filings the ID card is the legal representative's,
who may well represent two organisations, so the organisations' USCCs are compared
instead. Each applicant involved gets the finding, naming the other keys in `found`.
Photo and page-image duplicates are a separate check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from stdnum.cn import uscc

from pipeline.context import ApplicantContext
from pipeline.types import DocType, Finding, Severity
from validators.common import (
    PERSON_TYPES,
    Source,
    clean_id,
    doc_label,
    field_sources,
    finding,
    id_valid,
)

CERT_FIELDS = {DocType.SKILL_CERTIFICATE: "certificate_number", DocType.TITLE_CERTIFICATE: "certificate_number",
               DocType.DIPLOMA: "certificate_number", DocType.DEGREE: "certificate_number",
               DocType.EXAMINER_CARD: "card_number"}
MIN_CERT_CHARS = 6
# Two independent readings of a long number coinciding exactly is no OCR accident.
COINCIDENCE_CONFIDENCE = 0.9

Seen = dict[str, dict[str, list[Source]]]  # number -> applicant key -> readings


def _ids(ctx: ApplicantContext) -> tuple[str, list[Source]]:
    if ctx.profile.subject == "organisation":
        codes = field_sources(ctx, "uscc", (DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM),
                              "统一社会信用代码")
        return "uscc", [s for s in codes if uscc.is_valid(clean_id(s.value))]
    sources = field_sources(ctx, "id_number", PERSON_TYPES, "身份证号")
    return "id_number", [s for s in sources if id_valid(clean_id(s.value))]


def _certs(ctx: ApplicantContext) -> list[Source]:
    out = []
    for doc_type, key in CERT_FIELDS.items():
        out += [s for s in field_sources(ctx, key, (doc_type,)) if len(clean_id(s.value)) >= MIN_CERT_CHARS]
    return out


def _collect(contexts: Sequence[ApplicantContext], pick: Callable[[ApplicantContext], list[Source]]) -> Seen:
    seen: Seen = {}
    for ctx in contexts:
        for s in pick(ctx):
            seen.setdefault(clean_id(s.value), {}).setdefault(ctx.key, []).append(s)
    return seen


def _confidence(key: str, holders: dict[str, list[Source]]) -> float:
    mine = max(s.confidence for s in holders[key])
    theirs = max(max(s.confidence for s in ss) for k, ss in holders.items() if k != key)
    return max(COINCIDENCE_CONFIDENCE, min(mine, theirs))


def check_batch(contexts: list[ApplicantContext]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {c.key: [] for c in contexts}
    subjects = {c.key: _ids(c)[0] for c in contexts}
    for number, holders in _collect(contexts, lambda c: _ids(c)[1]).items():
        if len(holders) < 2:
            continue
        for key, sources in holders.items():
            others = sorted(k for k in holders if k != key)
            word = "统一社会信用代码" if subjects[key] == "uscc" else "身份证号"
            conf = _confidence(key, holders)
            out[key].append(finding("DUPLICATE_ID_IN_BATCH", Severity.ERROR,
                                    f"{word} {number} 同时出现在本批次的 {'、'.join(others)} 中", conf,
                                    subject=subjects[key], documents=[s.ref for s in sources if s.ref],
                                    expected="本批次内唯一", found=others))
    for number, holders in _collect(contexts, _certs).items():
        if len(holders) < 2:
            continue
        for key, sources in holders.items():
            others = sorted(k for k in holders if k != key)
            what = "、".join(dict.fromkeys(doc_label(s.doc_type) for s in sources))
            conf = _confidence(key, holders)
            out[key].append(finding("DUPLICATE_CERT_IN_BATCH", Severity.ERROR,
                                    f"{what}编号 {number} 同时出现在本批次的 {'、'.join(others)} 中", conf,
                                    subject=sources[0].doc_type, documents=[s.ref for s in sources if s.ref],
                                    expected="本批次内唯一", found=others))
    return {k: v for k, v in out.items() if v}
