"""Shared fixtures: the real OCR engine and one generated batch run end to end, made
once per test session because OCR on 2 cores costs about a second a page."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "contract" / "report.schema.json"


@pytest.fixture(scope="session")
def engine():
    from models.ocr import get_engine

    return get_engine("rapidocr")


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    if not SCHEMA.is_file():
        pytest.fail(f"contract schema not found at {SCHEMA}: the tests expect shared/ beside the repo")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An 8-applicant gd-supervisor batch with every packaging, run through the CLI."""
    from pipeline.cli import main
    from pipeline.samples.generator import generate_batch

    root = tmp_path_factory.mktemp("sample")
    truth = generate_batch(root, n_applicants=8, seed=3, profile="gd-supervisor")
    out = root / "out"
    rc = main(["run", str(root / "batch"), "--profile", "gd-supervisor", "--out", str(out),
               "--batch-date", truth["batch_date"]])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"root": root, "truth": truth, "out": out, "rc": rc, "report": report}
