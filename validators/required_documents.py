"""The documents a profile requires: DOC_MISSING for each requirement no document meets.

Confidence is lower when the applicant has files whose type could not be told (or
was told with doubt): the missing document may be one of them.
"""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.messages import DOC_TYPE_NAMES
from pipeline.types import DocType, Finding, Severity


def check(ctx: ApplicantContext) -> list[Finding]:
    prof, documents = ctx.profile, ctx.documents
    present = {d.type for d in documents}
    doubtful = [d for d in documents if d.type == DocType.OTHER or d.type_confidence < 0.5]
    confidence = 0.95 if not doubtful else max(0.5, 0.9 - 0.15 * len(doubtful))
    findings = []
    for alternatives in prof.required:
        if present.intersection(alternatives):
            continue
        names = "或".join(DOC_TYPE_NAMES.get(t.value, t.value) for t in alternatives)
        findings.append(Finding(
            code="DOC_MISSING", severity=Severity.ERROR, confidence=round(confidence, 3),
            subject=alternatives[0].value, message=f"缺少{names}",
            expected=[t.value for t in alternatives], found=sorted(t.value for t in present),
            documents=[d.ref for d in doubtful],
        ))
    card = prof.examiner_card
    if card.warn_if_absent and not card.required and DocType.EXAMINER_CARD not in present:
        findings.append(Finding(
            code="DOC_MISSING", severity=Severity.WARNING, confidence=round(confidence, 3),
            subject=DocType.EXAMINER_CARD.value, message="未见考评员证（评价专家一般应持有）",
            expected=[DocType.EXAMINER_CARD.value],
        ))
    return findings
