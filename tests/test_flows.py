"""The Prefect batch flow end to end: local folders, S3 in and out (against the real
S3-compatible test server), retries, a cached re-run without OCR, and a run killed with
SIGKILL and resumed.

One small batch (2 applicants, mostly text-layer PDFs plus photos and ID images, so the
OCR bill stays a few seconds) is run once per session; the other tests reuse its cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[1]


def _without_timings(report: dict[str, Any]) -> dict[str, Any]:
    r = json.loads(json.dumps(report))
    r["stats"].pop("seconds", None)
    r["stats"].pop("ocr_seconds", None)
    return r


def _cache_entries(work: Path) -> dict[str, tuple[int, bytes]]:
    """Finished cache entries (temporary files of a killed write start with '.')."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in (work / "cache").rglob("*.json") if not p.name.startswith(".")}


def _run_args(batch: str, out: str, truth: dict[str, Any], *extra: str) -> list[str]:
    return ["run", batch, "--out", out, "--profile", "gd-supervisor", "--batch-date", truth["batch_date"], *extra]


@pytest.fixture(scope="session")
def flow_sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated 2-applicant batch run once through `certriage run` (the flow)."""
    from pipeline.samples.generator import generate_batch

    root = tmp_path_factory.mktemp("flow")
    truth = generate_batch(root, n_applicants=2, seed=1, profile="gd-supervisor", packagings="text_pdf")
    out = root / "out"
    rc = main(_run_args(str(root / "batch"), str(out), truth, "--workers", "2"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"root": root, "batch": root / "batch", "truth": truth, "out": out, "work": out / ".work",
            "rc": rc, "report": report}


@pytest.mark.slow
def test_flow_run_accounts_for_every_file(flow_sample: dict, schema: dict) -> None:
    import jsonschema

    report, truth = flow_sample["report"], flow_sample["truth"]
    assert flow_sample["rc"] == 0
    jsonschema.validate(report, schema)
    files = [f for a in truth["applicants"] for f in a["files"]]
    assert report["stats"]["files"] == len(files)
    assert report["stats"]["pages"] == sum(f["pages"] for f in files)
    assert report["stats"]["ocr_seconds"] > 0  # photos and ID images were OCR'd
    assert [a["key"] for a in report["applicants"]] == sorted(a["key"] for a in truth["applicants"])
    # one content-keyed cache entry per distinct file
    assert len(_cache_entries(flow_sample["work"])) == len(files)
    for name in ("queue.csv", "queue.xlsx", "report.html"):
        assert (flow_sample["out"] / name).stat().st_size > 0


def test_flow_and_plain_path_give_the_same_report(flow_sample: dict, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    args = _run_args(str(flow_sample["batch"]), str(out), flow_sample["truth"],
                     "--no-prefect", "--work-dir", str(flow_sample["work"]))
    assert main(args) == 0
    plain = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert _without_timings(plain) == _without_timings(flow_sample["report"])


@pytest.mark.slow
def test_cached_rerun_does_no_ocr(flow_sample: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import models.ocr

    def no_ocr(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached re-run must not load or call the OCR engine")

    monkeypatch.setattr(models.ocr, "get_engine", no_ocr)
    before = _cache_entries(flow_sample["work"])
    assert main(_run_args(str(flow_sample["batch"]), str(flow_sample["out"]), flow_sample["truth"])) == 0
    again = json.loads((flow_sample["out"] / "report.json").read_text(encoding="utf-8"))
    assert _without_timings(again) == _without_timings(flow_sample["report"])
    assert _cache_entries(flow_sample["work"]) == before  # nothing recomputed, nothing rewritten


@pytest.mark.slow
def test_files_are_read_while_prefect_starts(flow_sample: dict, tmp_path: Path) -> None:
    """Issue 14: `certriage run` reads the first files while Prefect's ephemeral API
    starts (a fresh PREFECT_HOME: the slow first start), and the flow's tasks reuse
    them through the content cache: same report, no file read twice."""
    out = tmp_path / "out"
    args = ["-v", *_run_args(str(flow_sample["batch"]), str(out), flow_sample["truth"])]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    m = re.search(r"(\d+) files read while Prefect's API started", done.stderr)
    assert m is not None, done.stderr[-3000:]
    assert int(m.group(1)) >= 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert _without_timings(report) == _without_timings(flow_sample["report"])
    assert len(_cache_entries(out / ".work")) == len(_cache_entries(flow_sample["work"]))


@pytest.mark.slow
def test_s3_batch_in_and_outputs_out(flow_sample: dict, s3_bucket: str, s3_env: dict, tmp_path: Path) -> None:
    """`certriage run s3://…/ --out s3://…/`: the same report as the local run; every
    file it points at uploaded; a key with '..' refused, never written outside."""
    import boto3

    from pipeline.storage.s3 import S3Store

    intake = S3Store(s3_bucket, "intake/2026-06/")
    batch: Path = flow_sample["batch"]
    for p in sorted(batch.rglob("*")):
        if p.is_file():
            intake.upload(p, p.relative_to(batch).as_posix())
    # minio refuses to write such a key; other clients do not, so the reader must refuse it
    raw = boto3.client("s3", endpoint_url=f"http://{s3_env['CERTRIAGE_S3_ENDPOINT']}",
                       aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
    raw.put_object(Bucket=s3_bucket, Key="intake/2026-06/x/../../evil.jpg", Body=b"\xff\xd8not really")

    work = tmp_path / "work"
    shutil.copytree(flow_sample["work"] / "cache", work / "cache")  # OCR already paid for,
    shutil.copytree(flow_sample["work"] / "pages", work / "pages")  # with the pages it points at
    out_url = f"s3://{s3_bucket}/results/2026-06/"
    args = _run_args(intake.url, out_url, flow_sample["truth"], "--work-dir", str(work), "--workers", "2")
    assert main(args) == 0

    out = S3Store(s3_bucket, "results/2026-06/")
    remote = json.loads(out.read_bytes("report.json"))
    refused = [s for s in remote["skipped"] if s["path"] == "x/../../evil.jpg"]
    assert refused and ".." in refused[0]["reason"]
    assert any(f["code"] == "DOC_UNREADABLE" and "evil.jpg" in json.dumps(f) for f in remote["findings"])
    assert not (work / "evil.jpg").exists() and not (tmp_path / "evil.jpg").exists()
    remote["skipped"] = [s for s in remote["skipped"] if s not in refused]
    remote["findings"] = [f for f in remote["findings"] if "evil.jpg" not in json.dumps(f)]
    assert _without_timings(remote) == _without_timings(flow_sample["report"])

    keys = set(out.list())
    assert {"report.json", "queue.csv", "queue.xlsx", "report.html"} <= keys
    for key in keys:
        assert not key.endswith(".tmp") and not key.rsplit("/", 1)[-1].startswith(".")
    pointed = {p["image"] for a in remote["applicants"] for p in a["pages"]}
    pointed |= {a["photo"]["evidence"] for a in remote["applicants"] if (a.get("photo") or {}).get("evidence")}
    assert pointed and pointed <= keys
    for prefix in ("evidence/", "pages/"):
        local = {p.relative_to(flow_sample["out"]).as_posix()
                 for p in (flow_sample["out"] / prefix).rglob("*") if p.is_file()}
        assert local == {k for k in keys if k.startswith(prefix)}, prefix

    # A second run finds every output unchanged and uploads nothing but report.json.
    from pipeline.storage.sync import plan_push

    assert main(args) == 0
    plan = plan_push(work / "outbox", out_url)
    assert plan.upload == [] and plan.stale == [] and plan.unchanged == len(keys) - 1

    # The plain path (no Prefect) reads and writes S3 the same way.
    plain_url = f"s3://{s3_bucket}/results/plain/"
    assert main(_run_args(intake.url, plain_url, flow_sample["truth"], "--work-dir", str(work), "--no-prefect")) == 0
    plain = json.loads(S3Store(s3_bucket, "results/plain/").read_bytes("report.json"))
    assert _without_timings(plain) == _without_timings(json.loads(out.read_bytes("report.json")))
    assert set(S3Store(s3_bucket, "results/plain/").list()) == keys


@pytest.mark.slow
def test_retries_only_transient_storage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.storage.sync as sync
    from flows.batch import push_object_task
    from pipeline.storage import StorageError, TransientStorageError

    calls: list[str] = []

    class Flaky:
        def __init__(self, failures: list[Exception]) -> None:
            self.failures = failures

        def upload(self, src: Path, key: str) -> None:
            calls.append(key)
            if self.failures:
                raise self.failures.pop(0)

    from prefect import flow

    @flow
    def push(url: str, staging: Path, key: str) -> str:
        return push_object_task.with_options(retry_delay_seconds=0)(url, staging, key)

    flaky = Flaky([TransientStorageError("503"), TransientStorageError("timeout")])
    monkeypatch.setattr(sync, "store_for", lambda url: flaky)
    assert push("s3://b/o/", tmp_path, "queue.csv") == "queue.csv"
    assert calls == ["queue.csv"] * 3

    calls.clear()
    refused = Flaky([StorageError("AccessDenied")])
    monkeypatch.setattr(sync, "store_for", lambda url: refused)
    with pytest.raises(StorageError):
        push("s3://b/o/", tmp_path, "queue.csv")
    assert calls == ["queue.csv"]  # a permanent error is not retried


@pytest.mark.slow
def test_killed_run_resumes_from_the_cache(flow_sample: dict, prefect_api: str, tmp_path: Path) -> None:
    """SIGKILL a `certriage run` once a file's result is cached, run it again: it
    finishes, reuses every cached file, and gives the uninterrupted run's report; no
    output is half-written."""
    out, work = tmp_path / "out", tmp_path / "work"
    args = _run_args(str(flow_sample["batch"]), str(out), flow_sample["truth"], "--work-dir", str(work))
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    # Join this session's Prefect API rather than start an ephemeral server per process.
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while not _cache_entries(work) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before a file was cached: " + proc.stdout.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "report.json").exists()

    cached = _cache_entries(work)
    n_files = flow_sample["report"]["stats"]["files"]
    assert 1 <= len(cached) < n_files
    for _mtime, data in cached.values():
        json.loads(data)  # whole entries only

    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    after = _cache_entries(work)
    assert {k: after[k] for k in cached} == cached  # every cached file reused, not redone
    assert len(after) == len(_cache_entries(flow_sample["work"]))

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert _without_timings(report) == _without_timings(flow_sample["report"])
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")
                 and p.name != ".work"]
    assert leftovers == []
    for p in [*out.rglob("*.json"), *(work / "cache").rglob("*.json")]:
        if not p.name.startswith("."):
            json.loads(p.read_bytes())
