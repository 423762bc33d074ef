"""Decision, risk and confidence of one applicant from its findings.

`reject` when an error-severity finding holds with high confidence, `review` when any
warning or any less certain error holds (or a document's type is uncertain), else
`pass`. A finding's confidence is the chance that what it says is real (the checks set
it from the readings it rests on), so:

- risk, which orders the queue, is the chance that at least one finding is real,
  findings taken as independent signals weighted by severity;
- a reject is as sure as the chance that at least one of its sure errors is real;
- a review is as sure as the chance that something a human must see is there;
- a pass is as sure as the shakiest thing the checks relied on: the least certain
  document type and the least certain identity field (name, ID number) read.

These raw confidences order applicants but are not probabilities: on independent batches
decisions given 0.9-1.0 were right about 55 % of the time. `decide` therefore reports the
raw value mapped through the decision kind's calibration (pipeline.calibration, fitted by
bench/calibrate.py on generated batches): the chance that the decision is right.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.calibration import calibrate
from pipeline.types import Decision, Document, Finding, Severity

REJECT_MIN_CONFIDENCE = 0.8  # an error at least this sure rejects; below, a human reviews
DEFAULT_CONFIDENCE = 0.8  # a finding that says nothing of its confidence
SEVERITY_WEIGHT = {Severity.ERROR: 0.9, Severity.WARNING: 0.5, Severity.INFO: 0.05}
UNCERTAIN_TYPE = 0.5  # a document typed below this confidence needs a human look
MAX_CONFIDENCE = 0.97  # nothing automatic is ever certain
# Review: the chance that something is really wrong, never below REVIEW_FLOOR (the
# reviewer is asked to look: faint signals still say something).
REVIEW_FLOOR = 0.2
# Pass: PASS_FLOOR + PASS_SPAN * (weakest thing relied on), at most PASS_MAX. On the
# generated benches no defective applicant was passed; the weak spot is a misread field.
PASS_FLOOR, PASS_SPAN, PASS_MAX = 0.6, 0.37, 0.95
IDENTITY_FIELDS = ("name", "id_number")


def _conf(f: Finding) -> float:
    return DEFAULT_CONFIDENCE if f.confidence is None else f.confidence


def _any_real(confidences: Sequence[float]) -> float:
    """The chance that at least one of independent signals is real."""
    none = 1.0
    for c in confidences:
        none *= 1 - c
    return 1 - none


def decide(findings: Sequence[Finding], documents: Sequence[Document]) -> tuple[Decision, float, float]:
    """(decision, risk, confidence) for one applicant, the confidence calibrated: the
    chance, learnt on generated batches, that a decision of that kind with that raw
    confidence is right."""
    decision, risk, raw = raw_decision(findings, documents)
    return decision, risk, round(calibrate(decision.value, raw), 3)


def raw_decision(findings: Sequence[Finding], documents: Sequence[Document]) -> tuple[Decision, float, float]:
    """(decision, risk, raw confidence): the rule above, before calibration."""
    errors = [f for f in findings if f.severity == Severity.ERROR]
    warnings = [f for f in findings if f.severity == Severity.WARNING]
    uncertain_docs = [d for d in documents if d.type_confidence < UNCERTAIN_TYPE]

    signals = [SEVERITY_WEIGHT[f.severity] * _conf(f) for f in findings]
    signals += [0.3 * (1 - d.type_confidence) for d in uncertain_docs]
    risk = round(_any_real(signals), 3)

    sure_errors = [f for f in errors if _conf(f) >= REJECT_MIN_CONFIDENCE]
    if sure_errors:
        confidence = _any_real([_conf(f) for f in sure_errors])
        return Decision.REJECT, risk, round(min(MAX_CONFIDENCE, confidence), 3)
    if errors or warnings or uncertain_docs:
        strongest = _any_real([_conf(f) for f in errors + warnings] + [1 - d.type_confidence for d in uncertain_docs])
        return Decision.REVIEW, risk, round(min(MAX_CONFIDENCE, max(REVIEW_FLOOR, strongest)), 3)
    weakest = min((d.type_confidence for d in documents), default=0.5)
    read = [fv.confidence for d in documents for k, fv in d.fields.items() if k in IDENTITY_FIELDS]
    if read:
        weakest = min(weakest, min(read))
    return Decision.PASS, risk, round(min(PASS_MAX, PASS_FLOOR + PASS_SPAN * weakest), 3)
