"""Decision, risk and confidence of one applicant from its findings.

`reject` when an error-severity finding holds with high confidence, `review` when any
warning or any less certain error holds (or a document's type is uncertain), else
`pass`. Risk orders the queue: the chance that something is wrong, combining findings
as independent signals. Confidence is how sure the pipeline is of its own decision; the
constants here are a first guess, to be calibrated on generated batches (issue 3).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.types import Decision, Document, Finding, Severity

REJECT_MIN_CONFIDENCE = 0.8
SEVERITY_WEIGHT = {Severity.ERROR: 0.9, Severity.WARNING: 0.5, Severity.INFO: 0.05}
UNCERTAIN_TYPE = 0.5  # a document typed below this confidence needs a human look


def decide(findings: Sequence[Finding], documents: Sequence[Document]) -> tuple[Decision, float, float]:
    """(decision, risk, confidence) for one applicant."""
    def conf(f: Finding) -> float:
        return 0.8 if f.confidence is None else f.confidence

    errors = [f for f in findings if f.severity == Severity.ERROR]
    warnings = [f for f in findings if f.severity == Severity.WARNING]
    uncertain_docs = [d for d in documents if d.type_confidence < UNCERTAIN_TYPE]

    clean = 1.0
    for f in findings:
        clean *= 1 - SEVERITY_WEIGHT[f.severity] * conf(f)
    for d in uncertain_docs:
        clean *= 1 - 0.3 * (1 - d.type_confidence)
    risk = round(1 - clean, 3)

    sure_errors = [f for f in errors if conf(f) >= REJECT_MIN_CONFIDENCE]
    if sure_errors:
        confidence = max(conf(f) for f in sure_errors)
        return Decision.REJECT, risk, round(confidence, 3)
    if errors or warnings or uncertain_docs:
        # Sure that a human must look when a signal is strong; less when all are faint.
        strongest = max([conf(f) for f in errors + warnings] + [1 - d.type_confidence for d in uncertain_docs])
        return Decision.REVIEW, risk, round(0.5 + 0.45 * strongest, 3)
    # Nothing found: as sure as the least certain document type.
    weakest = min((d.type_confidence for d in documents), default=0.5)
    return Decision.PASS, risk, round(min(0.95, 0.4 + 0.55 * weakest), 3)
