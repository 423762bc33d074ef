"""Benchmark of the v0 pipeline on a generated batch.

Prints pages, pages/second end to end, seconds of pure OCR and its share, peak memory
(RSS of this process and its workers), and document-type accuracy against the
generator's truth. Usage:

    .venv/bin/python bench/bench_pipeline.py --applicants 30 --workers 1
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from pipeline.cli import run_batch
from pipeline.samples.generator import generate_batch
from pipeline.samples.score import score_types


def _peak_rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--applicants", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--profile", default="gd-supervisor")
    ap.add_argument("--ocr", default="rapidocr")
    ap.add_argument("--dir", default="bench-out")
    ap.add_argument("--keep-cache", action="store_true", help="measure a warm re-run instead of a cold one")
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

    t0 = time.perf_counter()
    batch_date = date.fromisoformat(truth.get("batch_date", "2026-06-30"))
    report_path = run_batch(str(root / "batch"), out, args.profile, batch_date, args.workers,
                            args.ocr, show_progress=False)
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
