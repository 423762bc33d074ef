"""Fit the decision-confidence calibration (pipeline/calibration.json) on generated batches.

One command; run it again whenever extraction, checks or the decision rule change:

    flock /tmp/cpu.lock .venv/bin/python bench/calibrate.py            # ~30 applicants, a few minutes
    .venv/bin/python bench/calibrate.py --refit                        # refit the saved samples only

For each profile x seed it generates a batch (variety on, `--defect-rate` of the
applicants with one injected defect of any family), runs the whole pipeline on it with
calibration off (CERTRIAGE_CALIBRATION=off: raw confidences), and records per applicant
(decision, raw confidence, right?) as pipeline/samples/score.py judges it (right: a clean
applicant passed, a defective one flagged). Then per decision kind:

1. isotonic regression (scikit-learn) of right on raw confidence: a monotone step map;
2. every step shrunk toward the kind's base rate by its sample count n:
   (n * accuracy + K * base) / (n + K), the kind's base rate itself toward the overall
   rate the same way, and the overall rate toward 1/2 by one right and one wrong
   pseudo-decision, so a step backed by two applicants says little more than the base
   rate (the honest fallback for small samples); then made monotone again;
3. the steps written as breakpoints (x = raw, y = chance right), which pipeline/decide.py
   applies by interpolation at run time (no scikit-learn there).

It prints the reliability table and ECE of the raw and the calibrated confidence, in
sample and leave-one-batch-out (each batch mapped by a fit on the others: the figure to
trust). Never fit on the devset. Needs scikit-learn (pip install -e '.[dev]').
Samples go to <dir>/samples.json, so `--refit` changes the fit without a rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.calibration import DEFAULT_PATH, KINDS, apply_map
from pipeline.samples.score import expected_calibration_error

Sample = tuple[str, float, bool]  # (decision, raw confidence, right)
SHRINK = 5.0  # pseudo-samples of the base rate added to every step (and kind)
CLIP = (0.02, 0.98)  # no automatic decision is certain either way


def fit_maps(samples: list[Sample], shrink: float = SHRINK) -> dict[str, Any]:
    """Monotone maps raw -> chance right, per decision kind, shrunk toward base rates."""
    from sklearn.isotonic import IsotonicRegression

    # The overall rate itself with one right and one wrong pseudo-decision (Laplace): thirty
    # decisions all right are no proof that every decision is.
    overall = (sum(r for _, _, r in samples) + 1.0) / (len(samples) + 2.0)
    maps: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for kind in KINDS:
        xs = np.array([c for k, c, _ in samples if k == kind], float)
        ys = np.array([float(r) for k, _, r in samples if k == kind], float)
        counts[kind] = int(xs.size)
        if xs.size == 0:
            continue
        base = (ys.sum() + shrink * overall) / (xs.size + shrink)
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        steps = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(xs, ys).predict(xs)
        # Blocks of equal fitted value: (lowest raw, highest raw, n, mean raw, accuracy).
        blocks: list[tuple[float, float, int, float, float]] = []
        start = 0
        for i in range(1, xs.size + 1):
            if i == xs.size or steps[i] != steps[start]:
                blocks.append((xs[start], xs[i - 1], i - start, float(xs[start:i].mean()), float(ys[start:i].mean())))
                start = i
        n = np.array([b[2] for b in blocks], float)
        shrunk = (n * np.array([b[4] for b in blocks]) + shrink * base) / (n + shrink)
        centre = np.array([b[3] for b in blocks])
        shrunk = IsotonicRegression(y_min=0.0, y_max=1.0).fit(centre, shrunk, sample_weight=n).predict(centre)
        x: list[float] = []
        y: list[float] = []
        for (lo, hi, *_), v in zip(blocks, shrunk, strict=True):
            v = float(np.clip(v, *CLIP))
            for edge in (lo, hi) if hi > lo else (lo,):
                if x and edge <= x[-1]:
                    continue
                x.append(round(float(edge), 4))
                y.append(round(v, 4))
        maps[kind] = {"x": x, "y": y, "n": int(xs.size), "base_rate": round(float(base), 4)}
    return {"maps": maps, "samples": counts, "overall_rate": round(overall, 4), "shrink": shrink}


def reliability(pairs: list[tuple[float, bool]], bins: int = 10) -> list[tuple[str, int, float, float]]:
    """(range, count, mean confidence, accuracy) of the non-empty bins."""
    out = []
    for b in range(bins):
        sel = [(c, r) for c, r in pairs if min(bins - 1, int(c * bins)) == b]
        if sel:
            out.append((f"{b / bins:.1f}-{(b + 1) / bins:.1f}", len(sel), float(np.mean([c for c, _ in sel])),
                        float(np.mean([r for _, r in sel]))))
    return out


def print_reliability(title: str, pairs: list[tuple[float, bool]]) -> None:
    print(f"\n{title}: ECE {expected_calibration_error(pairs):.3f} over {len(pairs)} decisions")
    print("  confidence  count  mean conf  accuracy")
    for rng, n, conf, acc in reliability(pairs):
        print(f"  {rng}    {n:5d}  {conf:9.3f}  {100 * acc:7.1f} %")


def collect(profile: str, seed: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Generate one batch (cached by its parameters) and run it with raw confidences."""
    from pipeline.cli import run_batch
    from pipeline.samples.generator import generate_batch
    from pipeline.samples.score import decision_outcomes
    from pipeline.settings import RunOptions

    root = Path(args.dir) / f"{profile}-{seed}"
    params = {"applicants": args.applicants, "defect_rate": args.defect_rate, "variety": True,
              "defect_family": args.defect_family}
    stamp = root / "params.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != params:
        if root.exists():
            shutil.rmtree(root)
        generate_batch(root, n_applicants=args.applicants, seed=seed, profile=profile,
                       defect_rate=args.defect_rate, defect_family=args.defect_family, variety=True)
        stamp.write_text(json.dumps(params))
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    os.environ["CERTRIAGE_CALIBRATION"] = "off"
    report_path = run_batch(RunOptions(source=str(root / "batch"), out=str(root / "out"), profile=profile,
                                       batch_date=truth.get("batch_date", "2026-06-30"), workers=args.workers,
                                       ocr=args.ocr, show_progress=False))
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    return [{"batch": f"{profile}-{seed}", "key": k, "decision": d, "raw": c, "right": r}
            for k, d, c, r in decision_outcomes(report, truth)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", default="sc-examiner,gd-supervisor,gd-org-filing")
    ap.add_argument("--seeds", default="101", help="comma-separated; one batch per profile and seed")
    ap.add_argument("--applicants", type=int, default=10, help="per batch")
    ap.add_argument("--defect-rate", type=float, default=0.4)
    ap.add_argument("--defect-family", default="all", help="rules | forgery | all")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--ocr", default="rapidocr")
    ap.add_argument("--dir", default="bench-out/calibrate", help="batches, runs and samples.json (git-ignored)")
    ap.add_argument("--out", default=str(DEFAULT_PATH), help="the map file to write")
    ap.add_argument("--refit", action="store_true", help="refit <dir>/samples.json without running anything")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write no map")
    args = ap.parse_args()

    saved = Path(args.dir) / "samples.json"
    t0 = time.perf_counter()
    if args.refit:
        rows = json.loads(saved.read_text(encoding="utf-8"))
    else:
        rows = []
        for profile in args.profiles.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                got = collect(profile.strip(), seed, args)
                print(f"{profile}-{seed}: {len(got)} applicants, "
                      f"{sum(r['right'] for r in got)} decided right ({time.perf_counter() - t0:.0f} s)", flush=True)
                rows.extend(got)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    samples: list[Sample] = [(r["decision"], float(r["raw"]), bool(r["right"])) for r in rows]
    table = fit_maps(samples)
    print(f"\n{len(samples)} decisions {dict(Counter(k for k, _, _ in samples))}, "
          f"right {100 * np.mean([r for _, _, r in samples]):.1f} %")
    print_reliability("raw confidence", [(c, r) for _, c, r in samples])
    print_reliability("calibrated, in sample", [(apply_map(table, k, c), r) for k, c, r in samples])
    # What a user gets today on these decisions, before any refit (the runs themselves
    # were made with calibration off, so the map is read from its file).
    shipped = json.loads(Path(args.out).read_text(encoding="utf-8")) if Path(args.out).is_file() else None
    if shipped is not None:
        print_reliability(f"the map in force ({args.out})",
                          [(apply_map(shipped, k, c), r) for k, c, r in samples])
    batches = sorted({r["batch"] for r in rows})
    if len(batches) > 1:
        held: list[tuple[float, bool]] = []
        for b in batches:
            fit = fit_maps([(r["decision"], float(r["raw"]), bool(r["right"])) for r in rows if r["batch"] != b])
            held += [(apply_map(fit, r["decision"], float(r["raw"])), bool(r["right"])) for r in rows if r["batch"] == b]
        print_reliability("calibrated, leave-one-batch-out", held)
        raw_ece = expected_calibration_error([(c, r) for _, c, r in samples])
        held_ece = expected_calibration_error(held)
        verdict = "lower" if held_ece < raw_ece else "NOT lower: more batches, or check the samples"
        print(f"\nECE leave-one-batch-out {held_ece:.3f} vs raw {raw_ece:.3f}: {verdict}")
    for kind, m in table["maps"].items():
        print(f"  {kind:7s} n={m['n']:3d} base {m['base_rate']:.3f}  " +
              "  ".join(f"{x:.3f}->{y:.3f}" for x, y in zip(m["x"], m["y"], strict=True)))
    if not args.dry_run:
        table["fitted_on"] = {"profiles": args.profiles, "seeds": args.seeds, "applicants_per_batch": args.applicants,
                              "defect_rate": args.defect_rate, "defect_family": args.defect_family, "variety": True,
                              "batches": batches}
        table["note"] = "written by bench/calibrate.py; raw decision confidence -> chance the decision is right"
        Path(args.out).write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
