"""Checks: one module per check, each a function returning findings, never raising for a
document's content. The registry lists them once, in the order they run.

An applicant check is `check(ctx: ApplicantContext) -> list[Finding]`; a batch check is
`check_batch(contexts: list[ApplicantContext]) -> dict[str, list[Finding]]` (findings
by applicant key) and sees every applicant at once (duplicates across the batch).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from pipeline import timing
from pipeline.context import ApplicantContext
from pipeline.types import Finding, Severity

log = logging.getLogger(__name__)

# name -> "module:function", run in this order.
VALIDATORS: dict[str, str] = {
    "classification": "validators.classification:check",
    "required_documents": "validators.required_documents:check",
    "id_number": "validators.id_number:check",
    "misfiled_card": "validators.misfiled_card:check",
    "consistency": "validators.consistency:check",
    "dates": "validators.dates:check",
    "cert_numbers": "validators.cert_numbers:check",
    "eligibility": "validators.eligibility:check",
    "low_confidence": "validators.low_confidence:check",
    "roster_qualification": "validators.roster_qualification:check",
    "org_filing": "validators.org_filing:check",
    "seal": "validators.seal:check",
    "seal_text": "validators.seal_text:check",
    "photo": "validators.photo:check",
    "tampering": "validators.tampering:check",
}
BATCH_VALIDATORS: dict[str, str] = {
    "duplicates": "validators.duplicates:check_batch",
    "photo_duplicates": "validators.photo_duplicates:check_batch",
    "page_duplicates": "validators.page_duplicates:check_batch",
}


def _load(target: str) -> Callable[..., Any]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def _failed(name: str, exc: Exception) -> Finding:
    return Finding(code="CHECK_FAILED", severity=Severity.INFO, subject=name,
                   message=f"检查 {name} 出错：{type(exc).__name__}")


def run_validators(ctx: ApplicantContext) -> list[Finding]:
    """Every registered check on one applicant. A check that crashes is a bug: it is
    logged and reported as an info finding so the rest of the batch still runs."""
    findings: list[Finding] = []
    for name, target in VALIDATORS.items():
        try:
            with timing.stage(f"validator {name}"):
                findings.extend(_load(target)(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken check must not stop a batch
            log.exception("validator %s failed on %s", name, ctx.key)
            findings.append(_failed(name, exc))
    return findings


def run_batch_validators(contexts: Sequence[ApplicantContext]) -> dict[str, list[Finding]]:
    """Every registered batch check; findings by applicant key."""
    out: dict[str, list[Finding]] = {c.key: [] for c in contexts}
    for name, target in BATCH_VALIDATORS.items():
        try:
            for key, found in _load(target)(list(contexts)).items():
                out.setdefault(key, []).extend(found)
        except Exception as exc:  # noqa: BLE001
            log.exception("batch validator %s failed", name)
            for key in out:
                out[key].append(_failed(name, exc))
    return out
