"""Every document whose type could not be told becomes a finding, never a silent drop."""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.types import DocType, Finding, Severity


def check(ctx: ApplicantContext) -> list[Finding]:
    findings = []
    for doc in ctx.documents:
        if doc.type == DocType.OTHER and any(t.lines for t in doc.texts):
            findings.append(Finding(
                code="DOC_UNCLASSIFIED", severity=Severity.INFO, confidence=doc.type_confidence,
                message="无法判断该文件的材料类型", documents=[doc.ref],
                found=doc.text[:60] or None,
            ))
    return findings
