"""Fields that matter read with low confidence: the name and ID number on the ID card,
the skill level and title level when the profile's qualification rule uses them, and the
organisation's name and USCC on the licence of a filing. A human should look at them
before anything built on them is trusted.

The finding's confidence is the chance that the reading is wrong (1 - the field's
confidence): how likely the look is needed.
"""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.messages import field_name
from pipeline.types import DocType, Document, Finding, Severity
from validators.common import (
    LOW_FIELD_CONFIDENCE,
    clean_id,
    clean_org,
    doc_label,
    field_sources,
    finding,
    present,
)

# An organisation's name or code read doubtfully on its licence needs no look when the
# filing's other documents and its roster agree on it: the fact is read surely
# elsewhere, and a licence reading that disagrees is judged by the consistency checks.
CORROBORATED = {"org_name": ("机构名称", clean_org), "uscc": ("统一社会信用代码", clean_id)}
ORG_SOURCES = (DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM, DocType.APPLICATION_LETTER)


def _corroborated(ctx: ApplicantContext, doc: Document, key: str) -> bool:
    """Whether two other sources, one a document read surely, agree on `key`. Another
    document may share this one's page (a licence and a form in one long image), so a
    source is this document's own reading only when its type matches too."""
    if key not in CORROBORATED or ctx.profile.subject != "organisation":
        return False
    column, norm = CORROBORATED[key]
    others = [s for s in field_sources(ctx, key, ORG_SOURCES, column) if not (s.ref == doc.ref and s.doc_type == doc.type.value)]
    values: dict[str, list] = {}
    for s in others:
        values.setdefault(norm(s.value), []).append(s)
    return any(len(ss) >= 2 and any(s.ref is not None and s.confidence >= LOW_FIELD_CONFIDENCE for s in ss)
               for v, ss in values.items() if v)


def _watched(ctx: ApplicantContext) -> dict[DocType, tuple[str, ...]]:
    watched: dict[DocType, tuple[str, ...]] = {DocType.ID_CARD: ("name", "id_number")}
    q = ctx.profile.qualification
    if q is not None and q.skill_level_max is not None:
        watched[DocType.SKILL_CERTIFICATE] = ("skill_level",)
    if q is not None and q.title_level_min is not None:
        watched[DocType.TITLE_CERTIFICATE] = ("title_level",)
    if ctx.profile.subject == "organisation":
        watched[DocType.BUSINESS_LICENSE] = ("org_name", "uscc")
    return watched


def check(ctx: ApplicantContext) -> list[Finding]:
    findings = []
    watched = _watched(ctx)
    for doc in ctx.documents:
        if doc.ref in ctx.foreign:  # another applicant's card, reported as such
            continue
        for key in watched.get(doc.type, ()):
            fv = doc.fields.get(key)
            if fv is None or not present(fv.value) or fv.confidence >= LOW_FIELD_CONFIDENCE:
                continue
            if _corroborated(ctx, doc, key):
                continue
            findings.append(finding(
                "LOW_CONFIDENCE", Severity.WARNING,
                f"{doc_label(doc.type)}上的{field_name(key)}“{fv.value}”识别置信度低（{fv.confidence:.2f}），请核对原件",
                1 - fv.confidence, subject=key, documents=[doc.ref],
                found=f"{fv.value}（置信度{fv.confidence:.2f}）"))
    return findings
