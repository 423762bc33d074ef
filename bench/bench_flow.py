"""Benchmark of the Prefect batch flow (issue 5) on a generated batch.

Prints: Prefect's ephemeral start-up; wall time of a cold run and of a warm re-run (same
work dir: every file comes from the content cache) and their ratio; Prefect's overhead
per task (a flow of no-op tasks against a plain loop); and pages/s of the read stage with
threads and with a Dask LocalCluster of 2 worker processes (its own cold run). Usage:

    .venv/bin/python bench/bench_flow.py --applicants 30
    .venv/bin/python bench/bench_flow.py --applicants 6 --no-dask   # a quick check
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flows  # noqa: F401  (Prefect's environment defaults, before prefect is imported)
from flows.batch import run_flow
from flows.progress import Reporter, Stage, use_reporter
from pipeline.samples.generator import generate_batch
from pipeline.settings import RunOptions


class TimingReporter(Reporter):
    """Records how long each stage of a run took (seconds)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Stage]:
        t0 = time.perf_counter()
        try:
            yield Stage()
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


def prefect_startup() -> float:
    """Seconds until the first (empty) flow run completes: the ephemeral server's start."""
    from prefect import flow

    @flow(name="bench-startup")
    def nothing() -> int:
        return 0

    t0 = time.perf_counter()
    nothing()
    return time.perf_counter() - t0


def task_overhead(n: int, workers: int) -> tuple[float, float]:
    """(seconds per task through Prefect, seconds per call in a plain loop) for no-op work."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    def work(i: int) -> int:
        return i * 2

    noop = task(work, name="noop", cache_policy=NO_CACHE, persist_result=False)

    @flow(name="bench-overhead", task_runner=ThreadPoolTaskRunner(max_workers=workers))
    def many(k: int) -> int:
        return sum(f.result() for f in noop.map(range(k)))

    many(2)  # first flow run of this shape: imports, flow registration
    t0 = time.perf_counter()
    many(n)
    flow_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sum(work(i) for i in range(n))
    loop_s = time.perf_counter() - t0
    return flow_s / n, loop_s / n


def timed_run(batch: Path, out: Path, work: Path, truth: dict, profile: str, workers: int,
              runner: str) -> tuple[float, dict[str, float], dict]:
    rep = TimingReporter()
    t0 = time.perf_counter()
    with use_reporter(rep):
        run_flow(RunOptions(source=str(batch), out=str(out), profile=profile, batch_date=truth["batch_date"],
                            workers=workers, work_dir=work, task_runner=runner, show_progress=False))
    wall = time.perf_counter() - t0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return wall, rep.seconds, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--applicants", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile", default="gd-supervisor")
    ap.add_argument("--dir", default="bench-flow-out")
    ap.add_argument("--tasks", type=int, default=200, help="no-op tasks for the overhead figure")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster cold run")
    args = ap.parse_args()

    root = Path(args.dir)
    if not (root / "truth.json").exists():
        generate_batch(root, n_applicants=args.applicants, seed=args.seed, profile=args.profile)
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    batch = root / "batch"
    n_files = sum(len(a["files"]) for a in truth["applicants"])
    print(f"batch: {len(truth['applicants'])} applicants, {n_files} files")

    startup = prefect_startup()
    print(f"prefect ephemeral start-up (first flow run): {startup:.1f} s")

    for name in ("out-threads", "work-threads", "out-dask", "work-dask"):
        shutil.rmtree(root / name, ignore_errors=True)
    cold, cold_st, report = timed_run(batch, root / "out-threads", root / "work-threads", truth,
                                      args.profile, args.workers, "threads")
    pages = report["stats"]["pages"]
    warm, warm_st, _ = timed_run(batch, root / "out-threads", root / "work-threads", truth,
                                 args.profile, args.workers, "threads")
    print(f"cold run  (threads x{args.workers}): {cold:7.1f} s  ({pages} pages, "
          f"read stage {cold_st['reading files']:.1f} s)")
    print(f"warm re-run (all cached):  {warm:7.1f} s  (read stage {warm_st['reading files']:.1f} s)"
          f"  -> {cold / warm:.1f}x faster")
    per_task, per_call = task_overhead(args.tasks, args.workers)
    print(f"prefect overhead per task: {1000 * (per_task - per_call):.1f} ms "
          f"({args.tasks} no-op tasks: {1000 * per_task:.1f} ms each vs {1000 * per_call:.3f} ms in a loop); "
          f"warm read stage: {1000 * warm_st['reading files'] / n_files:.1f} ms per cached file")
    print(f"pages/s, read stage, threads x{args.workers}:        {pages / cold_st['reading files']:.2f}"
          f"  (end to end {pages / cold:.2f})")
    if not args.no_dask:
        dwall, dst, dreport = timed_run(batch, root / "out-dask", root / "work-dask", truth,
                                        args.profile, args.workers, "dask")
        same = _without_timings(dreport) == _without_timings(report)
        print(f"pages/s, read stage, Dask LocalCluster x{args.workers}: {pages / dst['reading files']:.2f}"
              f"  (end to end {pages / dwall:.2f}, wall {dwall:.1f} s incl. cluster start; "
              f"same report as threads: {same})")
    return 0


def _without_timings(report: dict) -> dict:
    r = json.loads(json.dumps(report))
    r["stats"].pop("seconds", None)
    r["stats"].pop("ocr_seconds", None)
    return r


if __name__ == "__main__":
    raise SystemExit(main())
