"""The decision rule: reject on a sure error, review on a warning or an unsure error, pass
otherwise; risk orders the queue; confidence follows the findings' confidences."""

from __future__ import annotations

from pipeline.decide import REJECT_MIN_CONFIDENCE, raw_decision
from pipeline.types import Decision, DocType, Document, FieldValue, Finding, Severity

decide = raw_decision  # the rule's own confidences here; their calibration: test_calibration.py


def f(code: str, severity: Severity, confidence: float | None) -> Finding:
    return Finding(code=code, severity=severity, message=code, confidence=confidence)


def d(type_confidence: float = 0.95, **fields: float) -> Document:
    return Document(file="a/x.jpg", pages=[1], type=DocType.ID_CARD, type_confidence=type_confidence,
                    fields={k: FieldValue(value="v", confidence=c) for k, c in fields.items()})


def test_nothing_found_passes_as_sure_as_the_shakiest_reading() -> None:
    decision, risk, conf = decide([], [d(0.95, name=0.99)])
    assert decision == Decision.PASS and risk == 0.0 and conf >= 0.9
    shaky = decide([], [d(0.95, name=0.62)])
    assert shaky[0] == Decision.PASS and shaky[2] < conf


def test_info_findings_do_not_stop_a_pass() -> None:
    decision, risk, _ = decide([f("PAGE_BLANK", Severity.INFO, 1.0)], [d()])
    assert decision == Decision.PASS and 0 < risk < 0.1


def test_sure_error_rejects() -> None:
    decision, risk, conf = decide([f("NAME_MISMATCH", Severity.ERROR, 0.95)], [d()])
    assert decision == Decision.REJECT and conf >= 0.9 and risk > 0.8


def test_two_sure_errors_reject_more_surely() -> None:
    one = decide([f("AGE_LIMIT", Severity.ERROR, 0.85)], [d()])
    two = decide([f("AGE_LIMIT", Severity.ERROR, 0.85), f("LEVEL_INSUFFICIENT", Severity.ERROR, 0.85)], [d()])
    assert two[0] == Decision.REJECT and two[2] > one[2] and two[1] > one[1]


def test_unsure_error_is_reviewed() -> None:
    decision, _, conf = decide([f("NAME_MISMATCH", Severity.ERROR, REJECT_MIN_CONFIDENCE - 0.4)], [d()])
    assert decision == Decision.REVIEW and conf < 0.8


def test_warning_is_reviewed() -> None:
    decision, risk, conf = decide([f("ORG_MISMATCH", Severity.WARNING, 0.9)], [d()])
    assert decision == Decision.REVIEW and conf >= 0.8 and 0.3 < risk < 0.9


def test_uncertain_document_type_is_reviewed() -> None:
    assert decide([], [d(0.3)])[0] == Decision.REVIEW


def test_missing_confidence_counts_as_fairly_sure() -> None:
    assert decide([f("SEAL_MISSING", Severity.ERROR, None)], [d()])[0] == Decision.REJECT


def test_risk_orders_reject_before_review_before_pass() -> None:
    reject = decide([f("ID_NUMBER_INVALID", Severity.ERROR, 0.95)], [d()])[1]
    review = decide([f("ORG_MISMATCH", Severity.WARNING, 0.6)], [d()])[1]
    passed = decide([], [d()])[1]
    assert reject > review > passed


def test_confidence_stays_in_bounds() -> None:
    many = [f("NAME_MISMATCH", Severity.ERROR, 0.99) for _ in range(10)]
    _, risk, conf = decide(many, [d()])
    assert 0 <= risk <= 1 and 0 <= conf < 1
