"""The project carries its own report.json schema, so a clone alone can run the tests;
when ../shared/contract is beside it (as in CI) the two must be the same contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.contract import SCHEMA_PATH, SCHEMA_VERSION
from pipeline.types import Report, Stats

SHARED = Path(__file__).resolve().parents[2] / "shared" / "contract" / "report.schema.json"


def test_project_schema_is_in_the_repository() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_project_schema_matches_shared_contract() -> None:
    if not SHARED.is_file():
        pytest.skip("no ../shared/contract beside the repository")
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json.loads(SHARED.read_text(encoding="utf-8"))


def test_report_model_carries_the_contract_version() -> None:
    r = Report(profile="generic", batch_date="2026-01-01", stats=Stats(applicants=0, files=0, pages=0, seconds=0))
    assert r.schema_version == SCHEMA_VERSION


def _vocabulary_codes() -> set[str]:
    import re

    vocab = SHARED.parent / "vocabulary.md"
    text = vocab.read_text(encoding="utf-8").split("## Finding codes", 1)[1]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", text, re.M))


def test_finding_codes_are_one_enum_with_a_phrase_each() -> None:
    """FindingCode lists every code once; each has its reviewer phrase, and a code
    outside it (a typo in a check) is refused when the finding is made."""
    from pydantic import ValidationError

    from pipeline.messages import FINDING_PHRASES
    from pipeline.types import Finding, FindingCode, Severity

    assert set(FINDING_PHRASES) == {c.value for c in FindingCode}
    f = Finding(code="NAME_MISMATCH", severity=Severity.ERROR, message="m")
    assert f.code is FindingCode.NAME_MISMATCH and f.model_dump(mode="json")["code"] == "NAME_MISMATCH"
    assert json.loads(f.model_dump_json())["code"] == "NAME_MISMATCH"
    with pytest.raises(ValidationError):
        Finding(code="NAME_MISMATCHED", severity=Severity.ERROR, message="m")
    if SHARED.is_file():
        vocabulary = _vocabulary_codes()
        assert len(vocabulary) >= 30 and vocabulary <= {c.value for c in FindingCode}
