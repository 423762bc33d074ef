"""The batch flow: fetch -> ingest -> read every file (mapped) -> assess every applicant
(mapped) -> write the reports -> publish them.

Thin on purpose: every task wraps a plain function from `pipeline` and the flow only
decides what runs where. The per-file task is `pipeline.runner.process_file`, whose
result is cached by content in ``<work_dir>/cache`` (file SHA-256 + STAGE_VERSION + OCR
engine + DPI): that cache, not Prefect's, is what makes a re-run or a resumed run skip
finished files. Prefect's own caching (``cache_key_fn`` + persisted results) would key on
the same things and store a second copy of the same result, and it would only serve
runs that go through Prefect; so the tasks use ``NO_CACHE`` and rely on `StageCache`,
which every path (flow, ``--no-prefect``, a direct `process_file` call) shares, and which
writes each entry atomically so a killed run leaves whole entries or none.

Retries are for `TransientStorageError` only (timeouts, 5xx, SlowDown): a bad document
is a finding, never an exception, and an unexpected exception is a bug that a retry
would only repeat.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import flows  # noqa: F401  (Prefect's environment defaults, before prefect is imported)
from flows.progress import reporter
from pipeline import timing
from pipeline.messages import mask_ids_in
from pipeline.settings import RunOptions
from pipeline.storage import TransientStorageError
from pipeline.storage.base import ObjectInfo, StorageError
from pipeline.types import ApplicantResult, BatchFile, FileResult, Finding, Report

from prefect import flow, task  # isort: skip
from prefect.cache_policies import NO_CACHE  # isort: skip
from prefect.futures import as_completed  # isort: skip
from prefect.utilities.annotations import unmapped  # isort: skip

log = logging.getLogger(__name__)


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a failed task only for a transient storage error."""
    try:
        state.result()
    except TransientStorageError:
        return True
    except BaseException:
        return False
    return False


_RETRY: dict[str, Any] = {
    "retries": 4,
    "retry_delay_seconds": [2, 10, 30, 60],
    "retry_condition_fn": transient_only,
    "cache_policy": NO_CACHE,
    "persist_result": False,
}


def _masked(s: str) -> str:
    return mask_ids_in(s)


def _file_run_name() -> str:
    from prefect.runtime import task_run

    f = task_run.parameters.get("f")
    return f"read {_masked(f.rel_path)}" if isinstance(f, BatchFile) else "read"


def _object_run_name() -> str:
    from prefect.runtime import task_run

    params = task_run.parameters
    info = params.get("info")
    key = info.key if isinstance(info, ObjectInfo) else str(params.get("key", ""))
    return f"{task_run.task_name} {_masked(key)}"


def _applicant_run_name() -> str:
    from prefect.runtime import task_run

    ctx = task_run.parameters.get("ctx")
    return f"assess {_masked(getattr(ctx, 'key', ''))}"


# ---------------------------------------------------------------- tasks


@task(name="pull-object", task_run_name=_object_run_name, **_RETRY)
def pull_object_task(url: str, info: ObjectInfo, work_dir: Path) -> str:
    from pipeline.storage.sync import pull_object

    return pull_object(url, info, work_dir)


@task(name="push-object", task_run_name=_object_run_name, **_RETRY)
def push_object_task(url: str, staging: Path, key: str) -> str:
    from pipeline.storage.sync import push_object

    return push_object(url, staging, key)


@task(name="read-file", task_run_name=_file_run_name, **_RETRY)
def read_file(f: BatchFile, opts: RunOptions) -> FileResult:
    """One file through `process_file` (cached by content), with the run's OCR engine and
    resolution."""
    from pipeline.runner import process_file

    if not os.path.isfile(f.path):
        # Not a content problem: this worker cannot see the batch (scale-out without a
        # shared work dir). Failing loudly beats a batch of "unreadable" findings.
        import socket

        raise StorageError(f"{_masked(f.rel_path)} is not reachable on {socket.gethostname()}: "
                           "every worker needs the work dir at the same path (shared file system)")
    return process_file(f, opts.work_dir, opts.ocr, opts.dpi)


@task(name="assess-applicant", task_run_name=_applicant_run_name, **_RETRY)
def assess_task(ctx: Any, results: list[FileResult], extra: list[Finding]) -> ApplicantResult:
    from pipeline.runner import assess_applicant

    return assess_applicant(ctx, results, extra)


# ---------------------------------------------------------------- stages


def _gather(futures: list[Any], stage: str) -> list[Any]:
    """Results in completion order, advancing the stage's progress bar; every future is
    waited for before the first error is raised, so finished work is all cached."""
    out, errors = [], []
    with reporter().stage(stage, len(futures)) as bar:
        for fut in as_completed(futures):
            try:
                out.append(fut.result())
            except Exception as exc:  # re-raised below, after the others finished
                errors.append(exc)
            bar.advance()
    if errors:
        raise errors[0]
    return out


def fetch_batch(source: str, work_dir: Path) -> tuple[Path, list[Any], list[Finding]]:
    """A local path to ingest: the source itself, or its S3 objects mirrored into the
    work dir (only new or changed ones downloaded). Returns (path, skipped, findings)."""
    from pipeline.storage.sync import (
        check_not_empty,
        is_remote,
        plan_pull,
        prune_mirror,
        refused_findings,
    )

    if not is_remote(source):
        return Path(source), [], []
    plan = plan_pull(source, work_dir)
    prune_mirror(plan, work_dir)
    _gather(pull_object_task.map(unmapped(plan.url), plan.fetch, unmapped(work_dir)), "downloading batch")
    check_not_empty(plan, source)
    return (plan.source, *refused_findings(plan.refused))


def publish(staging: Path, out: str) -> None:
    """Upload finished outputs: report.json withdrawn first and uploaded last."""
    from pipeline.storage.sync import REPORT_KEY, delete_object, plan_push, withdraw_report

    plan = plan_push(staging, out)
    withdraw_report(out)
    futures = push_object_task.map(unmapped(out), unmapped(staging), plan.upload)
    _gather(futures, "uploading outputs")
    push_object_task(out, staging, REPORT_KEY)  # in this thread, after every other object
    for key in plan.stale:
        delete_object(out, key)


# ---------------------------------------------------------------- the flow


@flow(name="certriage-batch", persist_result=False, log_prints=False)
def batch_flow(opts: RunOptions) -> Any:
    """Process one batch (folder, .zip or s3:// prefix) into a report (folder or s3://
    prefix), with the run's options as built by the CLI or the deployment. Returns where
    report.json was written.

    A batch that cannot be processed as a whole (missing, not a folder/zip, storage
    refusing access) ends the run Failed with that one-line reason, without a traceback
    in the log; the caller gets the original exception."""
    from prefect.states import Failed

    from pipeline.ingest import BatchError

    try:
        return _process_batch(opts)
    except BatchError as exc:
        return Failed(message=str(exc), data=exc)
    except StorageError as exc:
        if isinstance(exc, TransientStorageError):
            raise  # retries are spent: worth a traceback
        return Failed(message=str(exc), data=exc)


def _process_batch(opts: RunOptions) -> str:
    from pipeline.ingest import ingest
    from pipeline.report import write_reports
    from pipeline.runner import finish_report, prepare_applicants
    from pipeline.storage.sync import is_remote, merge_refusals

    t0 = time.perf_counter()
    work, out = opts.work_dir, opts.out

    local_source, skipped, findings = fetch_batch(opts.source, work)
    with timing.stage("ingest"):
        batch = merge_refusals(ingest(local_source, work / "batch"), skipped, findings)

    files = [f for a in batch.applicants for f in a.files]
    futures = read_file.map(files, unmapped(opts))
    results = {r.file.rel_path: r for r in _gather(futures, "reading files")}

    work_items, batch_findings = prepare_applicants(batch, results, opts)
    futures = assess_task.map([c for c, _, _ in work_items], [r for _, r, _ in work_items],
                              [x for _, _, x in work_items])
    by_key = {a.key: a for a in _gather(futures, "checks")}
    applicants = [by_key[a.key] for a in batch.applicants]
    report: Report = finish_report(batch, results, opts, applicants, batch_findings, time.perf_counter() - t0)

    remote = is_remote(out)
    staging = work / "outbox" if remote else Path(out)
    with reporter().stage("writing reports", 1) as bar:
        paths = write_reports(report, staging)
        bar.advance()
    if remote:
        publish(staging, out)
        return out.rstrip("/") + "/report.json"
    return str(paths["json"])


# ---------------------------------------------------------------- entry point


def _read_while(start: Any, opts: RunOptions) -> int:
    """Call `start` (the ephemeral API's start, 5-17 s) while a thread reads the batch's
    first files through `process_file`, whose content cache the flow's tasks then hit:
    a small batch no longer waits for Prefect before its first page (issue 14). The
    thread stops at the next file once `start` returns; returns how many files it read.
    Anything going wrong here is left for the flow to meet and report."""
    from pipeline.ingest import ingest
    from pipeline.runner import process_file

    stop = threading.Event()
    done = [0]

    def read() -> None:
        try:
            batch = ingest(Path(opts.source), opts.work_dir / "batch")
            for f in (f for a in batch.applicants for f in a.files):
                if stop.is_set():
                    return
                process_file(f, opts.work_dir, opts.ocr, opts.dpi)
                done[0] += 1
        except Exception as exc:  # noqa: BLE001 - the flow reads (and reports) it again
            log.debug("reading ahead of Prefect's start stopped: %s", exc)

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        start()
    finally:
        stop.set()
        reader.join()
    log.info("%d files read while Prefect's API started", done[0])
    return done[0]


def run_flow(opts: RunOptions) -> str:
    """`batch_flow` on the run's task runner, with a progress display on a terminal
    (`opts.show_progress`); what `certriage run` calls."""
    from prefect.settings import PREFECT_API_URL

    from flows.progress import RichReporter, use_reporter
    from flows.runners import dask_needs_server, make_task_runner, shared_api, start_api
    from pipeline.storage.sync import is_remote

    if dask_needs_server(opts.dask_address) and not PREFECT_API_URL.value():
        raise RuntimeError(f"workers of the Dask cluster at {opts.dask_address} cannot reach this process's "
                           "ephemeral Prefect API: start a Prefect server and set PREFECT_API_URL (README)")
    runner = make_task_runner(opts.task_runner, opts.workers, opts.dask_address)
    ahead = (opts.task_runner == "threads" and not opts.dask_address and not PREFECT_API_URL.value()
             and not is_remote(opts.source) and Path(opts.source).is_dir())
    with contextlib.ExitStack() as shown:
        if opts.show_progress and sys.stderr.isatty():  # else the reporter in use (a bench's, or none)
            shown.enter_context(use_reporter(shown.enter_context(RichReporter())))
        with reporter().stage("starting Prefect", 1) as bar, timing.stage("Prefect start"):
            if ahead:
                _read_while(start_api, opts)
            else:
                start_api()
            bar.advance()
        with shared_api(needed=opts.task_runner != "threads"):
            return batch_flow.with_options(task_runner=runner)(opts=opts)
