"""Benchmark of fields, findings and decisions on a generated batch with injected defects.

Generates (once per parameters) a batch in which about `--defect-rate` of the applicants
carry one defect each (pipeline.samples.defects), runs the whole pipeline on it at the
truth's batch date, and prints:

- person-field accuracy per document (name, ID number, birth date, gender, all fields),
- recall of each injected finding code, and false alarms on clean applicants,
- clean applicants decided pass, defective ones flagged, decision accuracy,
- the reliability table of the decision confidence (calibrated by pipeline/calibration.json,
  fitted with bench/calibrate.py) with its ECE, and the wall time.

The generator's variety (documents drawn the way other issuers make them: label wordings,
packagings, seal inks ...) is on by default; `--no-variety` turns it off.

Nothing is faked: while extractors or checks are missing the figures are simply low.
Usage:

    .venv/bin/python bench/bench_fields.py --applicants 40 --defect-rate 0.4 --profile sc-examiner
    .venv/bin/python bench/bench_fields.py --profile gd-supervisor
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.cli import run_batch
from pipeline.samples.defects import DEFECTS
from pipeline.samples.generator import generate_batch
from pipeline.samples.score import (
    PERSON_FIELDS,
    decision_outcomes,
    expected_calibration_error,
    merge_runs,
    score_decisions,
    score_fields,
    score_findings,
    truth_field_keys,
)
from pipeline.settings import RunOptions

FIELD_LABELS = {"name": "name", "id_number": "ID number", "birth_date": "birth date", "gender": "gender",
                "org_name": "organisation name", "uscc": "USCC"}
ORG_FIELDS = ("org_name", "uscc")


def _pct(x: float) -> str:
    return f"{100 * x:6.1f} %"


def _fresh(root: Path, args: argparse.Namespace) -> bool:
    """Whether the batch under root was generated with these parameters."""
    path = root / "truth.json"
    if not path.exists():
        return False
    t = json.loads(path.read_text(encoding="utf-8"))
    return (t.get("seed") == args.seed and t.get("profile") == args.profile
            and len(t.get("applicants", [])) == args.applicants
            and float(t.get("defect_rate", 0.0)) == args.defect_rate
            and bool(t.get("variety", False)) == args.variety)


def print_tables(report: dict[str, Any], truth: dict[str, Any]) -> None:
    """The bench's tables, from a report and its truth (also usable on a saved run)."""
    fs = score_fields(report, truth)
    print(f"\nperson fields ({fs.docs} documents, {fs.docs_unmatched} not found by file/type/order)")
    for key in PERSON_FIELDS:
        print(f"  {FIELD_LABELS[key]:22s} {_pct(fs.accuracy(key))}  ({fs.correct[key]}/{fs.total[key]})")
    n = sum(fs.total.values())
    print(f"  {'all person fields':22s} {_pct(fs.overall)}  ({sum(fs.correct.values())}/{n}); "
          f"documents with every field right {_pct(fs.documents_all_right).strip()}")
    org = score_fields(report, truth, ORG_FIELDS)
    for key in ORG_FIELDS:
        if org.total[key]:
            print(f"  {FIELD_LABELS[key]:22s} {_pct(org.accuracy(key))}  ({org.correct[key]}/{org.total[key]})")
    every = score_fields(report, truth, truth_field_keys(truth))
    print(f"  {'every truth field':22s} {_pct(every.overall)}  ({sum(every.correct.values())}/"
          f"{sum(every.total.values())}, {len(every.total)} field names, exact match)")

    fd = score_findings(report, truth)
    kinds = Counter(e.get("defect", "?") for a in truth["applicants"] for e in a.get("expected_findings", []))
    print(f"\ninjected findings (recall = applicants whose findings include the code; "
          f"overall {_pct(fd.overall_recall).strip()})")
    by_code = {code: [k for k, (c, _) in DEFECTS.items() if c == code and kinds[k]] for code in fd.expected}
    for code in sorted(fd.expected):
        label = f"{code} ({', '.join(by_code[code])})" if by_code[code] else code
        print(f"  {label:58s} {_pct(fd.recall(code))}  ({fd.found[code]}/{fd.expected[code]})")
    print(f"  precision of error/warning codes {_pct(fd.precision).strip()} "
          f"({sum(fd.true_positive.values())}/{sum(fd.emitted.values())} applicant-codes expected)")
    print(f"  clean applicants with an error/warning: {fd.clean_alarmed}/{fd.clean}")
    if fd.false_alarms:
        top = ", ".join(f"{c} {n}" for c, n in fd.false_alarms.most_common(8))
        print(f"  false alarms on clean applicants: {top}")

    ds = score_decisions(report, truth)
    print("\ndecisions")
    print(f"  clean decided pass     {_pct(ds.clean_pass / ds.clean if ds.clean else 1.0)}  ({ds.clean_pass}/{ds.clean})")
    print(f"  defective flagged      {_pct(ds.defective_flagged / ds.defective if ds.defective else 1.0)}  "
          f"({ds.defective_flagged}/{ds.defective}; {ds.defective_rejected} rejected)")
    print(f"  decision accuracy      {_pct(ds.accuracy)}  ({ds.clean_pass + ds.defective_flagged}/{ds.total})")
    print(f"  decisions              {dict(Counter(a['decision'] for a in report['applicants']))}")
    print("\nreliability (decision confidence -> observed accuracy)")
    print("  confidence   count  mean conf  accuracy")
    for b in ds.bins:
        acc = f"{100 * b.accuracy:7.1f} %" if b.count else "      -  "
        conf = f"{b.mean_confidence:9.2f}" if b.count else "        -"
        print(f"  {b.low:.1f}-{b.high:.1f}    {b.count:6d}  {conf}  {acc}")
    print(f"  expected calibration error {ds.calibration_error:.3f} (these bins); "
          f"{expected_calibration_error([(c, r) for _, _, c, r in decision_outcomes(report, truth)]):.3f} "
          "(10 equal bins, as the devset scorer)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--defect-rate", type=float, default=0.4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", default="sc-examiner",
                    help="sc-examiner exercises qualification and work-summary rules; gd-supervisor, gz-expert ... also run")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--ocr", default="rapidocr")
    ap.add_argument("--dir", default=None, help="default bench-out/fields-<profile> (git-ignored)")
    ap.add_argument("--keep-cache", action="store_true", help="measure a warm re-run instead of a cold one")
    ap.add_argument("--misses", type=int, default=0, help="also print that many field misses")
    ap.add_argument("--no-variety", dest="variety", action="store_false",
                    help="the generator's plain documents only (variety is on by default)")
    ap.add_argument("--score", nargs="+", metavar="DIR", default=None,
                    help="run nothing: print the tables over saved runs (DIR/truth.json and DIR/out/report.json, "
                         "e.g. bench-out/calibrate/*), all batches together")
    args = ap.parse_args()

    if args.score:
        runs = [(Path(d).name, json.loads((Path(d) / "out" / "report.json").read_text(encoding="utf-8")),
                 json.loads((Path(d) / "truth.json").read_text(encoding="utf-8"))) for d in args.score]
        report, truth = merge_runs(runs)
        print(f"{len(runs)} saved runs, {len(truth['applicants'])} applicants")
        print_tables(report, truth)
        _print_misses(report, truth, args.misses)
        return 0

    root = Path(args.dir or f"bench-out/fields-{args.profile}")
    t0 = time.perf_counter()
    if not _fresh(root, args):
        if root.exists():
            shutil.rmtree(root)
        generate_batch(root, n_applicants=args.applicants, seed=args.seed, profile=args.profile,
                       defect_rate=args.defect_rate, variety=args.variety)
    gen_s = time.perf_counter() - t0
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    out = root / "out"
    if not args.keep_cache and out.exists():
        shutil.rmtree(out)

    t0 = time.perf_counter()
    batch_date = date.fromisoformat(truth.get("batch_date", "2026-06-30"))
    report_path = run_batch(RunOptions(source=str(root / "batch"), out=str(out), profile=args.profile,
                                       batch_date=batch_date, workers=args.workers, ocr=args.ocr,
                                       show_progress=False))
    wall = time.perf_counter() - t0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    st = report["stats"]
    defective = sum(1 for a in truth["applicants"] if a.get("expected_findings"))
    print(f"batch: {st['applicants']} applicants ({defective} with a defect, rate {args.defect_rate}), "
          f"{st['files']} files, {st['pages']} pages, profile {args.profile}, seed {args.seed}, "
          f"variety {'on' if args.variety else 'off'} "
          f"(generated in {gen_s:.1f} s), workers={args.workers}, ocr={args.ocr}")
    print_tables(report, truth)
    _print_misses(report, truth, args.misses)
    print(f"\nwall time {wall:.1f} s ({st['pages'] / wall:.2f} pages/s)")
    return 0


def _print_misses(report: dict, truth: dict, n: int) -> None:
    if n:
        print("\nfield misses (file, type, field, truth, read):")
        for m in (score_fields(report, truth).misses + score_fields(report, truth, ORG_FIELDS).misses)[:n]:
            print("  " + " | ".join(str(x) for x in m))


if __name__ == "__main__":
    sys.exit(main())
