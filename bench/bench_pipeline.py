"""Benchmark of the v0 pipeline on a generated batch.

Prints pages, pages/second end to end, seconds of pure OCR and its share, peak memory
(RSS of this process and its workers), and document-type accuracy against the
generator's truth. Usage:

    .venv/bin/python bench/bench_pipeline.py --applicants 30 --workers 1
    .venv/bin/python bench/bench_pipeline.py --applicants 10 --profile-stages

--profile-stages adds, in the same run: seconds and calls per pipeline stage (and the
OCR model calls, detection / angle classifier / recognition, charged to the stage that
made them), the raw OCR engine alone over the same pages (as `models/` configures it,
every page rendered at the same dpi and read once) with the ratio of certriage's
pages/s to it, the peak RSS of the whole process tree (sampled), and a warm re-run
(same --out, cache kept) with its speed-up over the cold run.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

from pipeline import timing
from pipeline.cli import run_batch
from pipeline.samples.generator import generate_batch
from pipeline.samples.score import score_types
from pipeline.settings import RunOptions


def _peak_rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class TreeRss:
    """Peak resident memory of this process and all its descendants together (Prefect's
    server, worker processes), sampled every `interval` seconds in a thread: getrusage
    only gives the largest single child, not the sum."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for p in [self._proc, *self._proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


# Stages timed inside another one (their seconds are part of the parent's).
NESTED = {"face detection": "classification"}


def _parent(key: str) -> str | None:
    if key.startswith("validator "):
        return "validators"
    return NESTED.get(key)


def _nested(key: str) -> bool:
    return _parent(key) is not None


OCR_KINDS = ("det", "cls", "rec")


def print_stages(cold: dict[str, tuple[float, int]], warm: dict[str, tuple[float, int]],
                 cold_wall: float, warm_wall: float) -> None:
    """The per-stage table: seconds and calls cold, seconds warm, and the OCR model calls
    each stage made."""
    names = [k for k in cold if "/" not in k and not k.startswith("ocr.")]
    names += [k for k in warm if "/" not in k and not k.startswith("ocr.") and k not in cold]

    def secs(k: str) -> float:
        return cold.get(k, warm.get(k, (0.0, 0)))[0]

    tops = sorted((k for k in names if not _nested(k)), key=lambda k: -secs(k))
    kids = sorted((k for k in names if _nested(k)), key=lambda k: -secs(k))
    names = [x for k in tops for x in (k, *(c for c in kids if _parent(c) == k))]
    print(f"{'stage':28s} {'cold s':>8s} {'calls':>6s} {'% wall':>6s} {'warm s':>8s}   "
          "OCR inside: det / cls / rec s (calls)")
    total_cold = total_warm = 0.0
    for k in names:
        sec, n = cold.get(k, (0.0, 0))
        wsec = warm.get(k, (0.0, 0))[0]
        if _nested(k) and sec < 0.05 and wsec < 0.05:
            continue  # a check that costs nothing: not worth a line
        if not _nested(k):
            total_cold += sec
            total_warm += wsec
        ocr = []
        for kind in OCR_KINDS:
            if f"{k}/ocr.{kind}" in cold:
                s_, c_ = cold[f"{k}/ocr.{kind}"]
                ocr.append(f"{kind} {s_:.1f} ({c_})")
        label = ("  " + k) if _nested(k) else k
        print(f"{label:28s} {sec:8.2f} {n:6d} {100 * sec / cold_wall:6.1f} {wsec:8.2f}   {', '.join(ocr)}")
    print(f"{'(outside every stage)':28s} {cold_wall - total_cold:8.2f} {'':6s} "
          f"{100 * (cold_wall - total_cold) / cold_wall:6.1f} {warm_wall - total_warm:8.2f}   "
          "Prefect flow and task runs, glue")
    print(f"{'wall':28s} {cold_wall:8.2f} {'':6s} {100.0:6.1f} {warm_wall:8.2f}")
    parts = []
    for kind in OCR_KINDS:
        s_, c_ = cold.get(f"ocr.{kind}", (0.0, 0))
        parts.append(f"{kind} {s_:.1f} s ({c_} calls)")
    ocr_total = sum(cold.get(f"ocr.{kind}", (0.0, 0))[0] for kind in OCR_KINDS)
    print(f"OCR model calls, all stages: {', '.join(parts)}; {ocr_total:.1f} s = "
          f"{100 * ocr_total / cold_wall:.0f} % of wall")


def raw_engine(batch_files: list, ocr: str, dpi: int) -> tuple[int, float, float, dict[str, tuple[float, int]]]:
    """The OCR engine alone over the batch's pages: every file rendered at `dpi` (as
    certriage renders it) into a scratch folder, then each page decoded and read once.
    Returns (pages, render seconds, decode+read seconds, OCR model call totals)."""
    import numpy as np
    from PIL import Image

    from models.ocr import get_engine
    from pipeline.render import render_file

    engine = get_engine(ocr)
    with tempfile.TemporaryDirectory(prefix="raw-engine-") as tmp:
        t0 = time.perf_counter()
        paths = []
        for f in batch_files:
            pages, _ = render_file(f, Path(tmp), dpi=dpi)
            paths.extend(p.image_path for p in pages)
        render_s = time.perf_counter() - t0
        timing.reset()
        t0 = time.perf_counter()
        with timing.stage("raw engine"):
            for path in paths:
                engine.read(np.asarray(Image.open(path).convert("RGB")))
        read_s = time.perf_counter() - t0
        return len(paths), render_s, read_s, timing.snapshot()


def run_profiled(root: Path, out: Path, args: argparse.Namespace, batch_date: date) -> tuple[Path, float]:
    """Cold run, raw engine and warm re-run with the stage registry on; prints the
    profile and returns (report.json, cold wall seconds)."""
    from pipeline.ingest import ingest

    opts = RunOptions(source=str(root / "batch"), out=str(out), profile=args.profile, batch_date=batch_date,
                      workers=args.workers, ocr=args.ocr, dpi=args.dpi, show_progress=False,
                      task_runner=args.task_runner)
    timing.enable()
    timing.reset()
    with TreeRss() as rss:
        t0 = time.perf_counter()
        report_path = run_batch(opts)
        cold = time.perf_counter() - t0
    cold_stages = timing.snapshot()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    pages = report["stats"]["pages"]

    batch = ingest(str(root / "batch"), Path(tempfile.mkdtemp(prefix="raw-ingest-")))
    files = [f for a in batch.applicants for f in a.files]
    raw_pages, raw_render, raw_read, raw_stages = raw_engine(files, args.ocr, args.dpi)

    timing.reset()
    with TreeRss() as warm_rss:
        t0 = time.perf_counter()
        run_batch(opts)
        warm = time.perf_counter() - t0
    warm_stages = timing.snapshot()
    timing.enable(False)

    print(f"== stage profile ({pages} pages, workers={args.workers}, task runner {args.task_runner}; "
          "seconds summed over threads; stages run in worker processes are not seen here) ==")
    print_stages(cold_stages, warm_stages, cold, warm)
    raw_pps = raw_pages / raw_read
    print("== raw engine over the same pages ==")
    parts = ", ".join(f"{k} {raw_stages.get(f'ocr.{k}', (0.0, 0))[0]:.1f} s" for k in OCR_KINDS)
    print(f"raw engine           {raw_pages} pages rendered in {raw_render:.1f} s, read in {raw_read:.1f} s "
          f"({parts}): {raw_pps:.2f} pages/s ({raw_pages / (raw_render + raw_read):.2f} with rendering)")
    print(f"certriage cold       {cold:8.1f} s  {pages / cold:.2f} pages/s = {pages / cold / raw_pps:.2f}x the raw "
          f"engine (certriage/raw time ratio {cold / pages / (raw_read / raw_pages):.2f})")
    print(f"certriage warm       {warm:8.1f} s  speed-up over cold {cold / warm:.1f}x")
    print(f"peak RSS, tree       {rss.peak / 2**20:8.0f} MiB cold  {warm_rss.peak / 2**20:.0f} MiB warm "
          "(this process and every descendant, summed)")
    return report_path, cold


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--applicants", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--task-runner", choices=("threads", "processes", "dask"), default="threads",
                    help="Prefect task runner of the run (as certriage run --task-runner)")
    ap.add_argument("--profile", default="gd-supervisor")
    ap.add_argument("--ocr", default="rapidocr")
    ap.add_argument("--dir", default="bench-out")
    ap.add_argument("--keep-cache", action="store_true", help="measure a warm re-run instead of a cold one")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--profile-stages", action="store_true",
                    help="per-stage seconds, the raw engine over the same pages, peak RSS of the process "
                         "tree and a warm re-run, all in this run")
    args = ap.parse_args()

    root = Path(args.dir)
    t0 = time.perf_counter()
    if not (root / "truth.json").exists():
        generate_batch(root, n_applicants=args.applicants, seed=args.seed, profile=args.profile)
    gen_s = time.perf_counter() - t0
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    out = root / "out"
    if not args.keep_cache and out.exists():
        shutil.rmtree(out)

    batch_date = date.fromisoformat(truth.get("batch_date", "2026-06-30"))
    if args.profile_stages:
        report_path, wall = run_profiled(root, out, args, batch_date)
    else:
        t0 = time.perf_counter()
        report_path = run_batch(RunOptions(source=str(root / "batch"), out=str(out), profile=args.profile,
                                           batch_date=batch_date, workers=args.workers, ocr=args.ocr,
                                           dpi=args.dpi, show_progress=False, task_runner=args.task_runner))
        wall = time.perf_counter() - t0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    st = report["stats"]
    s = score_types(report, truth)
    own, children = _peak_rss_mib()
    decisions = Counter(a["decision"] for a in report["applicants"])

    print(f"batch: {st['applicants']} applicants, {st['files']} files, {st['pages']} pages "
          f"(generated in {gen_s:.1f} s), workers={args.workers}, ocr={args.ocr}")
    print(f"wall time            {wall:8.1f} s")
    print(f"pages/second         {st['pages'] / wall:8.2f}")
    print(f"pure OCR             {st.get('ocr_seconds', 0):8.1f} s  ({100 * st.get('ocr_seconds', 0) / wall:.0f} % of wall"
          f"{', summed over workers' if args.workers > 1 else ''})")
    print(f"peak RSS             {own:8.0f} MiB (main)  {children:.0f} MiB (largest worker)")
    print(f"doc-type accuracy    {100 * s.accuracy:8.1f} %  ({s.correct}/{s.truth_docs}; precision "
          f"{100 * s.precision:.1f} % of {s.predicted_docs} predicted)")
    print(f"files missing        {len(s.files_missing):8d}   pages missing {len(s.pages_missing)}")
    print(f"decisions            {dict(decisions)}")
    if s.confusion:
        print("type confusions (truth -> predicted):")
        for (t, p), n in s.confusion.most_common():
            print(f"  {t:22s} -> {p:22s} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
