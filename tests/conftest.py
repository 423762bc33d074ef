"""Shared fixtures: the real OCR engine and one generated batch run end to end, made
once per test session because OCR on 2 cores costs about a second a page."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# Fixtures that load a real OCR engine or generate and run a batch (seconds to a minute
# each): a test that uses one, directly or through another fixture, is `slow`, so
# `pytest -m "not slow"` runs the rest in about a minute. A module names its own such
# fixtures in SLOW_FIXTURES; tests that OCR without a fixture carry the mark themselves.
SLOW_FIXTURES = frozenset({"engine", "paddle", "sample_run", "e2e", "flow_sample", "extracted", "org_batch"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        slow = SLOW_FIXTURES | set(getattr(getattr(item, "module", None), "SLOW_FIXTURES", ()))
        if slow & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def engine():
    from models.ocr import get_engine

    return get_engine("rapidocr")


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    """The project's own copy, so a clone alone passes; test_contract checks it matches."""
    from pipeline.contract import SCHEMA_PATH

    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An 8-applicant gd-supervisor batch with every packaging, run through the CLI. Three
    applicants carry a planted defect (a missing work certificate, a roster gender that
    disagrees, an ID number off by a digit), so the report, the web UI and the browser tests
    have flagged applicants that do not depend on a false alarm."""
    from pipeline.cli import main
    from pipeline.samples.generator import generate_batch

    root = tmp_path_factory.mktemp("sample")
    truth = generate_batch(root, n_applicants=8, seed=3, profile="gd-supervisor", defect_rate=0.4)
    out = root / "out"
    rc = main(["run", str(root / "batch"), "--profile", "gd-supervisor", "--out", str(out),
               "--batch-date", truth["batch_date"]])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"root": root, "truth": truth, "out": out, "rc": rc, "report": report}


# ---------------------------------------------------------------- object storage (issue 5)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Any:
    """host:port of a real S3-compatible server: the one `.ci/run` started
    (CERTRIAGE_TEST_S3_ENDPOINT), else moto's threaded server on a free loopback port."""
    endpoint = os.environ.get("CERTRIAGE_TEST_S3_ENDPOINT")
    if endpoint:
        yield endpoint
        return
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    port = _free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture()
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """CERTRIAGE_S3_* pointing at the test server (plain HTTP, any keys moto accepts)."""
    env = {
        "CERTRIAGE_S3_ENDPOINT": s3_endpoint,
        "CERTRIAGE_S3_ACCESS_KEY": "testing-access",
        "CERTRIAGE_S3_SECRET_KEY": "testing-secret-do-not-log",
        "CERTRIAGE_S3_SECURE": "false",
        "CERTRIAGE_S3_REGION": "us-east-1",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture()
def s3_bucket(s3_env: dict[str, str]) -> str:
    """A fresh bucket name per test (the server is shared by the session)."""
    import uuid

    from pipeline.storage.s3 import S3Store

    name = f"t-{uuid.uuid4().hex[:12]}"
    S3Store(name).ensure_bucket()
    return name


# ---------------------------------------------------------------- Prefect (issue 5)

# A Prefect home of this session's own (set before anything imports prefect): the tests'
# ephemeral API gets a fresh SQLite file instead of sharing ~/.prefect with whatever else
# runs on the machine. Removed at exit, after Prefect has stopped its server.
if "PREFECT_HOME" not in os.environ and "PREFECT_API_URL" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _prefect_home = tempfile.mkdtemp(prefix="certriage-test-prefect-")
    os.environ["PREFECT_HOME"] = _prefect_home
    atexit.register(shutil.rmtree, _prefect_home, True)

import flows  # noqa: E402,F401  Prefect's environment defaults, before any test imports prefect


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """URL of the Prefect API the in-process flows use (the ephemeral server, started
    once per session), so `certriage run` subprocesses can join it instead of paying
    for a server of their own."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return str(PREFECT_API_URL.value())
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the singleton Prefect's own clients use
    server.start()
    return server.api_url
