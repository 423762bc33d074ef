"""Checks: one module per check, each a function returning findings, never raising for a
document's content. The registry lists them once, in the order they run."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from datetime import date

from pipeline.types import Document, Finding, Severity

log = logging.getLogger(__name__)

# name -> "module:function"; each function takes (key, documents, profile=, batch_date=).
VALIDATORS: dict[str, str] = {
    "classification": "validators.classification:check",
    "required_documents": "validators.required_documents:check",
}


def run_validators(key: str, documents: Sequence[Document], *, profile: str, batch_date: date) -> list[Finding]:
    """Every registered check on one applicant. A check that crashes is a bug: it is
    logged and reported as an info finding so the rest of the batch still runs."""
    findings: list[Finding] = []
    for name, target in VALIDATORS.items():
        module, func = target.split(":")
        try:
            check = getattr(importlib.import_module(module), func)
            findings.extend(check(key, documents, profile=profile, batch_date=batch_date))
        except Exception as exc:  # noqa: BLE001 - one broken check must not stop a batch
            log.exception("validator %s failed on %s", name, key)
            findings.append(Finding(code="CHECK_FAILED", severity=Severity.INFO,
                                    message=f"检查 {name} 出错：{type(exc).__name__}", subject=name))
    return findings
