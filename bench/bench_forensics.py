"""Benchmark of the seal, photo, duplicate and tamper checks (issue 4) on a generated batch.

Generates (once per parameters) a batch in which about `--defect-rate` of the applicants
carry one defect of the generator's `forgery` family (pipeline.samples.forgery: no seal,
another organisation's seal, a pasted seal, a seal over text, photos with the wrong
background, colour, size or subject, an oversize photo file, the same photo or page in
two folders, a pasted field) and two clean applicants share an ID number; runs the whole
pipeline at the truth's batch date, and prints:

- seal detection precision and recall against truth.json's seals (by position where
  the page geometry is known: single pages, scans, PDFs; by count per page in long
  images, two-sided ID copies and phone photos),
- seal-text reading: share of detected seals read, and of those, the share whose
  reading names the right organisation (closest of the batch's organisations, and at
  least half the name right: validators.seal_text.similarity),
- OCR character accuracy on the text lines under a seal (seal_over_text), with and
  without `pipeline.seals.suppress_seal_ink`,
- recall and false alarms of SEAL_*, PHOTO_*, DUPLICATE_* and TAMPER_SUSPECTED,
- seconds per page the forensic checks add (seal finding and reading on the pages,
  and the seal/photo/duplicate/tamper checks), timed again on the run's cached pages.

Nothing is faked: where a detector is missing its figures are simply 0 or marked
"not available". Usage:

    .venv/bin/python bench/bench_forensics.py --applicants 40
    .venv/bin/python bench/bench_forensics.py --applicants 8 --profile ah-examiner
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pipeline.cli import run_batch
from pipeline.samples.defects import inject
from pipeline.samples.generator import plan_batch, render_batch
from pipeline.settings import RunOptions
from validators.common import clean_org, distance

# Where the seal's truth position maps onto the pipeline's upright page by relative
# coordinates (other packagings place the document inside a larger picture).
LOCATED_PACKAGINGS = {"image", "scanned_pdf", "text_pdf", "merged_pdf"}
MATCH_RADIUS = 0.6  # centre within this share of the seal's radius (relative to the page)
SEAL_CODES = ("SEAL_MISSING", "SEAL_SUSPICIOUS", "SEAL_TEXT_MISMATCH")
PHOTO_CODES = ("PHOTO_BACKGROUND", "PHOTO_NOT_COLOR", "PHOTO_SIZE", "PHOTO_FACE", "PHOTO_FILE_TOO_LARGE",
               "PHOTO_MISSING")
DUP_CODES = ("DUPLICATE_PHOTO_IN_BATCH", "DUPLICATE_FILE_IN_BATCH", "DUPLICATE_ID_IN_BATCH",
             "DUPLICATE_CERT_IN_BATCH")
FORENSIC_CHECKS = ("seal", "seal_text", "photo", "tamper", "duplicates", "photo_duplicates", "page_duplicates")


def _pct(x: float | None) -> str:
    return "     -  " if x is None else f"{100 * x:6.1f} %"


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fresh(root: Path, args: argparse.Namespace) -> bool:
    path = root / "truth.json"
    if not path.exists():
        return False
    t = json.loads(path.read_text(encoding="utf-8"))
    return (t.get("seed") == args.seed and t.get("profile") == args.profile
            and len(t.get("applicants", [])) == args.applicants
            and float(t.get("defect_rate", 0.0)) == args.defect_rate and t.get("defect_family") == "forgery")


def generate(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The forgery batch, with one duplicate-ID pair added among clean applicants."""
    spec = plan_batch(args.applicants, args.seed, args.profile, defect_rate=args.defect_rate,
                      defect_family="forgery")
    clean = [i for i, a in enumerate(spec.applicants) if not a.expected_findings and not any(
        d.extra.get("seal_at") for d in a.docs) and not a.org_filing]
    if len(clean) >= 4:
        inject(spec, clean[-2], "duplicate_id", partner=clean[-1])
    return render_batch(spec, root)


# ---------------------------------------------------------------- seals on pages


def _truth_seals(truth: dict[str, Any]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    out: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for a in truth["applicants"]:
        for f in a["files"]:
            for d in f["documents"]:
                for s in d["seals"]:
                    out[(f["path"], int(s.get("page", d["pages"][0])))].append(
                        {**s, "packaging": f["packaging"], "doc": d})
    return out


def _report_seals(report: dict[str, Any]) -> tuple[dict[tuple[str, int], list[dict[str, Any]]], dict]:
    seals: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    sizes: dict[tuple[str, int], tuple[int, int]] = {}
    for a in report["applicants"]:
        for p in a.get("pages", []):
            sizes[(p["file"], int(p["page"]))] = (int(p["width"]), int(p["height"]))
        seen = set()
        for d in a["documents"]:
            for s in d.get("seals", []):
                key = (d["file"], int(s["page"]))
                ident = (key, tuple(round(v) for v in s["bbox"] or ()))
                if ident in seen:
                    continue
                seen.add(ident)
                seals[key].append(s)
    return seals, sizes


def _rel_centre(bbox: list[float], w: float, h: float) -> tuple[float, float]:
    return ((bbox[0] + bbox[2]) / 2 / w, (bbox[1] + bbox[3]) / 2 / h)


def match_seals(truth: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """Truth seals against detected seals, page by page; returns counts and the pairs."""
    tseals = _truth_seals(truth)
    rseals, sizes = _report_seals(report)
    tp = fp = fn = 0
    located = 0
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for key in set(tseals) | set(rseals):
        ts, rs = list(tseals.get(key, [])), list(rseals.get(key, []))
        size = sizes.get(key)
        geo = [t for t in ts if t["packaging"] in LOCATED_PACKAGINGS and "bbox" in t and size]
        if geo and size and len(geo) == len(ts):
            located += len(ts)
            left = list(rs)
            for t in ts:
                tw, th = t["page_size"]
                tc = _rel_centre(t["bbox"], tw, th)
                rx, ry = (t["bbox"][2] - t["bbox"][0]) / 2 / tw, (t["bbox"][3] - t["bbox"][1]) / 2 / th
                best, best_d = None, None
                for r in left:
                    if not r.get("bbox"):
                        continue
                    rc = _rel_centre(r["bbox"], *size)
                    dd = max(abs(rc[0] - tc[0]) / rx, abs(rc[1] - tc[1]) / ry)
                    if dd <= MATCH_RADIUS and (best_d is None or dd < best_d):
                        best, best_d = r, dd
                if best is None:
                    fn += 1
                else:
                    tp += 1
                    left.remove(best)
                    pairs.append((t, best))
            fp += len(left)
        else:  # by count, paired top to bottom
            n = min(len(ts), len(rs))
            tp, fp, fn = tp + n, fp + len(rs) - n, fn + len(ts) - n
            order_t = sorted(ts, key=lambda t: (t.get("bbox") or [0, 0])[1])
            order_r = sorted(rs, key=lambda r: (r.get("bbox") or [0, 0])[1])
            pairs += list(zip(order_t[:n], order_r[:n], strict=True))
    return {"tp": tp, "fp": fp, "fn": fn, "located": located, "truth": tp + fn, "pairs": pairs}


def seal_text_scores(pairs: list[tuple[dict[str, Any], dict[str, Any]]], truth: dict[str, Any]) -> dict[str, Any]:
    try:
        from validators.seal_text import similarity
    except ImportError:
        def similarity(read: str, name: str) -> float:
            a, b = clean_org(read), clean_org(name)
            return max(0.0, 1 - distance(a, b) / max(len(b), 1)) if a and b else 0.0
    orgs = {s["text"] for ss in _truth_seals(truth).values() for s in ss}
    orgs |= {a["employer"] for a in truth["applicants"]}
    read = right = exact = 0
    sims = []
    wrong: list[tuple[str, str]] = []
    for t, r in pairs:
        text = r.get("text")
        if not text:
            continue
        read += 1
        s_true = similarity(text, t["text"])
        best = max(orgs, key=lambda o: (similarity(text, o), o == t["text"]))
        ok = s_true >= 0.5 and (best == t["text"] or similarity(text, best) <= s_true)
        right += ok
        exact += clean_org(text) == clean_org(t["text"])
        sims.append(s_true)
        if not ok:
            wrong.append((t["text"], text))
    return {"pairs": len(pairs), "read": read, "right": right, "exact": exact,
            "mean_similarity": float(np.mean(sims)) if sims else None, "wrong": wrong}


# ---------------------------------------------------------------- OCR under seals


def fit_distance(want: str, got: str) -> int:
    """Edit distance of `want` to the closest stretch of `got`: characters read beyond
    either end of a crop (the neighbours the padding lets in) cost nothing."""
    prev = [0] * (len(got) + 1)
    for i, cw in enumerate(want, 1):
        cur = [i]
        for j, cg in enumerate(got, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cw != cg)))
        prev = cur
    return min(prev)


def _norm(text: str) -> str:
    from models.ocr import normalize_text

    return "".join(normalize_text(text).split())


def overlap_ocr(root: Path, truth: dict[str, Any], report: dict[str, Any], ocr: str) -> dict[str, Any]:
    """Character accuracy of the OCR of the text under a seal, raw and with the seal's ink
    suppressed, on the part of each line the seal covers and on the whole line."""
    from models.ocr import get_engine
    from pipeline.types import Seal

    try:
        from pipeline.seals import suppress_seal_ink
    except ImportError:
        suppress_seal_ink = None  # type: ignore[assignment]
    engine = get_engine(ocr)
    rseals, _ = _report_seals(report)
    out: dict[str, Any] = {"lines": 0, "docs": 0, "truth_seals_used": 0, "suppress": suppress_seal_ink is not None,
                           "chars": Counter(), "errors": Counter(), "examples": []}
    for a in truth["applicants"]:
        for f in a["files"]:
            for d in f["documents"]:
                lines = d.get("seal_over_text")
                if not lines:
                    continue
                out["docs"] += 1
                image = np.asarray(Image.open(root / "batch" / f["path"]).convert("RGB"))
                found = rseals.get((f["path"], 1), [])
                seals = [Seal(page=1, bbox=tuple(s["bbox"]), shape=s.get("shape"), color=s.get("color"),
                              confidence=float(s.get("confidence", 0.5))) for s in found if s.get("bbox")]
                if not seals:  # the detector missed it: measure suppression on the true box
                    out["truth_seals_used"] += 1
                    seals = [Seal(page=1, bbox=tuple(s["bbox"]), shape="round", color=s["color"], confidence=1.0)
                             for s in d["seals"]]
                variants = {"raw": image}
                if suppress_seal_ink is not None:
                    variants["suppressed"] = suppress_seal_ink(image, seals)
                for ln in lines:
                    out["lines"] += 1
                    h = ln["bbox"][3] - ln["bbox"][1]
                    for part, box, want in (("covered", ln["covered_bbox"], ln["covered_text"]),
                                            ("line", ln["bbox"], ln["text"])):
                        want_n = _norm(want)
                        x0, y0, x1, y1 = box
                        px, py = (0.5 if part == "covered" else 0.3) * h, 0.35 * h
                        for name, img in variants.items():
                            crop = img[max(0, int(y0 - py)):int(y1 + py), max(0, int(x0 - px)):int(x1 + px)]
                            got = _norm("".join(x.text for x in engine.read(np.ascontiguousarray(crop))))
                            out["chars"][(part, name)] += len(want_n)
                            d = fit_distance(want_n, got) if part == "covered" else distance(got, want_n)
                            out["errors"][(part, name)] += min(len(want_n), d)
                            if part == "covered" and len(out["examples"]) < 8 * len(variants):
                                out["examples"].append((name, want_n, got))
    return out


# ---------------------------------------------------------------- findings


def _findings(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {a["key"]: [f for f in a["findings"] if f.get("severity") in ("error", "warning")]
            for a in report["applicants"]}


def code_scores(truth: dict[str, Any], report: dict[str, Any], codes: tuple[str, ...],
                population: Any = None) -> dict[str, dict[str, Any]]:
    """Per code: applicants expected to get it (secondary consequences included) and
    found, and applicants not expecting it that got it (in `population`, default all)."""
    got = _findings(report)
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        exp = found = alarms = others = 0
        missed: list[tuple[str, list[str]]] = []
        for a in truth["applicants"]:
            have = {f["code"] for f in got.get(a["key"], [])}
            if code in {e["code"] for e in a["expected_findings"]}:
                exp += 1
                if code in have:
                    found += 1
                else:
                    missed.append((a["key"], sorted(have)))
            elif population is None or population(a):
                others += 1
                alarms += code in have
        out[code] = {"expected": exp, "found": found, "others": others, "alarms": alarms, "missed": missed}
    return out


def _has_photo(a: dict[str, Any]) -> bool:
    return any(d["type"] == "photo" for f in a["files"] for d in f["documents"])


def _clean_photo(a: dict[str, Any]) -> bool:
    return _has_photo(a) and not any(e["code"].startswith("PHOTO_") for e in a["expected_findings"])


def tamper_files(truth: dict[str, Any], report: dict[str, Any]) -> dict[str, int]:
    """TAMPER_SUSPECTED by file: tampered files flagged, clean files flagged."""
    flagged = {ref.split("#")[0] for fs in _findings(report).values() for f in fs
               if f["code"] == "TAMPER_SUSPECTED" for ref in f.get("documents", [])}
    t_all = t_hit = c_all = c_hit = 0
    for a in truth["applicants"]:
        for f in a["files"]:
            tampered = any(d.get("tampered") for d in f["documents"])
            if tampered:
                t_all, t_hit = t_all + 1, t_hit + (f["path"] in flagged)
            else:
                c_all, c_hit = c_all + 1, c_hit + (f["path"] in flagged)
    return {"tampered": t_all, "tampered_flagged": t_hit, "clean": c_all, "clean_flagged": c_hit}


# ---------------------------------------------------------------- timing


def time_checks(root: Path, out: Path, profile: str, batch_date: date, ocr: str, max_pages: int) -> dict[str, Any]:
    """Seconds the forensic work costs, timed again on the run's cached pages: finding
    and reading seals on each page (as the runner does), and each forensic check over
    the batch's applicants (as build_report does)."""
    from models.ocr import get_engine
    from pipeline import seals as seal_mod
    from pipeline.ingest import ingest
    from pipeline.profile import load_profile
    from pipeline.runner import applicant_context, process_files
    from pipeline.settings import default_work_dir
    from validators import BATCH_VALIDATORS, VALIDATORS, _load

    work = Path(default_work_dir(str(out)))
    batch = ingest(root / "batch", work)
    opts = RunOptions(source=str(root / "batch"), out=str(out), profile=profile, batch_date=batch_date, ocr=ocr,
                      work_dir=work)
    results = process_files(batch, opts)  # cache hits: nothing is read again
    pages = [p for r in results.values() for p in r.pages]
    prof = load_profile(profile)
    contexts = [applicant_context(a, [results[f.rel_path] for f in a.files], prof, batch_date) for a in batch.applicants]
    timing: dict[str, Any] = {"pages": len(pages), "per_check": {}}
    engine = get_engine(ocr)
    sample = pages[:max_pages]
    t_detect = t_read = t_suppress = 0.0
    n_seals = 0
    for p in sample:
        image = np.asarray(Image.open(p.image_path).convert("RGB"))
        t0 = time.perf_counter()
        found = seal_mod.detect_seals(image, p.number)
        t_detect += time.perf_counter() - t0
        if hasattr(seal_mod, "read_seal_text"):
            t0 = time.perf_counter()
            for s in found:
                seal_mod.read_seal_text(image, s, engine)
            t_read += time.perf_counter() - t0
        if hasattr(seal_mod, "suppress_seal_ink") and found:
            t0 = time.perf_counter()
            seal_mod.suppress_seal_ink(image, found)
            t_suppress += time.perf_counter() - t0
        n_seals += len(found)
    k = max(1, len(sample))
    timing["sample"] = len(sample)
    timing["seals"] = n_seals
    timing["detect_per_page"] = t_detect / k
    timing["read_per_page"] = t_read / k if hasattr(seal_mod, "read_seal_text") else None
    timing["suppress_per_page"] = t_suppress / k if hasattr(seal_mod, "suppress_seal_ink") else None
    n = max(1, len(pages))
    for name, target in VALIDATORS.items():
        if name in FORENSIC_CHECKS or "tamper" in name:
            fn = _load(target)
            t0 = time.perf_counter()
            for c in contexts:
                fn(c)
            timing["per_check"][name] = (time.perf_counter() - t0) / n
    for name, target in BATCH_VALIDATORS.items():
        if name in FORENSIC_CHECKS or "tamper" in name:
            t0 = time.perf_counter()
            _load(target)(contexts)
            timing["per_check"][name] = (time.perf_counter() - t0) / n
    return timing


# ---------------------------------------------------------------- printing


def _code_lines(scores: dict[str, dict[str, Any]], label_others: str) -> None:
    for code, s in scores.items():
        rec = _ratio(s["found"], s["expected"])
        fa = _ratio(s["alarms"], s["others"])
        print(f"  {code:26s} recall {_pct(rec)} ({s['found']}/{s['expected']})   "
              f"false alarms {_pct(fa)} ({s['alarms']}/{s['others']} {label_others})")
        for key, have in s["missed"][:4]:
            print(f"      missed {key}: raised {', '.join(have) or 'nothing'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--defect-rate", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", default="gd-supervisor",
                    help="gd-supervisor has sealed documents and a white 小一寸 photo; ah-examiner a 3 MB limit")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--ocr", default="rapidocr")
    ap.add_argument("--dir", default=None, help="default bench-out/forensics-<profile> (git-ignored)")
    ap.add_argument("--keep-cache", action="store_true", help="measure a warm re-run instead of a cold one")
    ap.add_argument("--timing-pages", type=int, default=40, help="pages to time seal finding/reading on")
    args = ap.parse_args()

    root = Path(args.dir or f"bench-out/forensics-{args.profile}")
    t0 = time.perf_counter()
    if not _fresh(root, args):
        if root.exists():
            shutil.rmtree(root)
        generate(root, args)
    gen_s = time.perf_counter() - t0
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    out = root / "out"
    if not args.keep_cache and out.exists():
        shutil.rmtree(out)
    batch_date = date.fromisoformat(truth.get("batch_date", "2026-06-30"))
    t0 = time.perf_counter()
    report_path = run_batch(RunOptions(source=str(root / "batch"), out=str(out), profile=args.profile,
                                       batch_date=batch_date, workers=args.workers, ocr=args.ocr,
                                       show_progress=False))
    wall = time.perf_counter() - t0
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    st = report["stats"]
    kinds = Counter(e["defect"] for a in truth["applicants"] for e in a["expected_findings"] if not e.get("secondary"))
    overlaps = sum(1 for a in truth["applicants"] for f in a["files"] for d in f["documents"] if d.get("seal_over_text"))
    print(f"batch: {st['applicants']} applicants, {st['files']} files, {st['pages']} pages, profile {args.profile}, "
          f"seed {args.seed}, forgery defect rate {args.defect_rate} (generated in {gen_s:.1f} s), ocr={args.ocr}")
    print(f"defects: {dict(sorted(kinds.items()))}; seal over text on {overlaps} documents")

    m = match_seals(truth, report)
    print(f"\nseal detection ({m['truth']} seals in truth, {m['located']} matched by position, the rest by count)")
    print(f"  precision {_pct(_ratio(m['tp'], m['tp'] + m['fp']))}  ({m['tp']}/{m['tp'] + m['fp']})")
    print(f"  recall    {_pct(_ratio(m['tp'], m['tp'] + m['fn']))}  ({m['tp']}/{m['tp'] + m['fn']})")
    ts = seal_text_scores(m["pairs"], truth)
    print("\nseal text (detected seals that match a truth seal)")
    print(f"  read (text not null)      {_pct(_ratio(ts['read'], ts['pairs']))}  ({ts['read']}/{ts['pairs']})")
    mean = "-" if ts["mean_similarity"] is None else f"{ts['mean_similarity']:.2f}"
    print(f"  names the right org       {_pct(_ratio(ts['right'], ts['read']))}  ({ts['right']}/{ts['read']} read; "
          f"exact {ts['exact']}; mean similarity {mean})")
    for want, got in ts["wrong"][:5]:
        print(f"      {want} read as {got}")

    o = overlap_ocr(root, truth, report, args.ocr)
    print(f"\nOCR under seals ({o['lines']} lines on {o['docs']} documents; "
          f"{o['truth_seals_used']} seals not detected, their true box used)")
    for part, label in (("covered", "characters under the seal"), ("line", "whole lines")):
        raw = 1 - o["errors"][(part, "raw")] / o["chars"][(part, "raw")] if o["chars"][(part, "raw")] else None
        sup = (1 - o["errors"][(part, "suppressed")] / o["chars"][(part, "suppressed")]
               if o["chars"][(part, "suppressed")] else None)
        sup_s = _pct(sup) if o["suppress"] else "not available (pipeline.seals.suppress_seal_ink missing)"
        print(f"  {label:26s} raw {_pct(raw)}   suppressed {sup_s}")
    for name, want, got in o["examples"][:6]:
        print(f"      {name:10s} {want} -> {got}")

    print("\nseal findings (false alarms: applicants not expecting the code)")
    _code_lines(code_scores(truth, report, SEAL_CODES), "others")
    print("\nphoto findings (false alarms: applicants whose photo is clean)")
    photo = code_scores(truth, report, PHOTO_CODES, population=_clean_photo)
    _code_lines({c: s for c, s in photo.items() if s["expected"] or s["alarms"]}, "clean photos")
    got = _findings(report)
    clean_photos = [a for a in truth["applicants"] if _clean_photo(a)]
    alarmed = sum(any(f["code"] in PHOTO_CODES for f in got.get(a["key"], [])) for a in clean_photos)
    exp = sum(s["expected"] for s in photo.values())
    found = sum(s["found"] for s in photo.values())
    print(f"  photo defects overall      recall {_pct(_ratio(found, exp))} ({found}/{exp})   clean photos flagged "
          f"{_pct(_ratio(alarmed, len(clean_photos)))} ({alarmed}/{len(clean_photos)})")
    print("\nduplicates (secondary consequences of a copied page included)")
    _code_lines(code_scores(truth, report, DUP_CODES), "others")
    print("\ntamper signals")
    _code_lines(code_scores(truth, report, ("TAMPER_SUSPECTED",)), "others")
    tf = tamper_files(truth, report)
    print(f"  by file: tampered flagged {_pct(_ratio(tf['tampered_flagged'], tf['tampered']))} "
          f"({tf['tampered_flagged']}/{tf['tampered']}); clean files flagged "
          f"{_pct(_ratio(tf['clean_flagged'], tf['clean']))} ({tf['clean_flagged']}/{tf['clean']})")

    try:
        tm = time_checks(root, out, args.profile, batch_date, args.ocr, args.timing_pages)
    except Exception as exc:  # noqa: BLE001 - the runner's internals may move; the scores above stand
        print(f"\ntiming not available: {type(exc).__name__}: {exc}")
    else:
        print(f"\nseconds per page the checks add ({tm['pages']} pages; seal work timed on {tm['sample']} pages, "
              f"{tm['seals']} seals)")
        rows = [("find seals (runner)", tm["detect_per_page"]), ("read seal text (runner)", tm["read_per_page"]),
                ("suppress seal ink", tm["suppress_per_page"])]
        rows += [(f"check {k}", v) for k, v in tm["per_check"].items()]
        total = 0.0
        for label, v in rows:
            print(f"  {label:28s} {'not available' if v is None else f'{v:7.3f} s'}")
            total += v or 0.0
        print(f"  {'total':28s} {total:7.3f} s per page")
    print(f"\nwall time {wall:.1f} s ({st['pages'] / wall:.2f} pages/s, OCR {st.get('ocr_seconds', 0):.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
