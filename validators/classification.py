"""Every document whose type could not be told becomes a finding, never a silent drop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pipeline.types import DocType, Document, Finding, Severity


def check(key: str, documents: Sequence[Document], *, profile: str, batch_date: date) -> list[Finding]:
    findings = []
    for doc in documents:
        if doc.type == DocType.OTHER and doc.texts and any(t.lines for t in doc.texts):
            findings.append(Finding(
                code="DOC_UNCLASSIFIED", severity=Severity.INFO, confidence=doc.type_confidence,
                message="无法判断该文件的材料类型", documents=[doc.ref],
                found=doc.text[:60] or None,
            ))
    return findings
