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
