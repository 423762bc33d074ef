"""Benchmark of seal finding and ring-text reading on REAL seal images (issue 11).

The project's own sample pages say little about real ink: generated seals are clean
rings in one font. tests/data/real_seals holds real impressions and documents taken
from public repositories, with the truth written by hand (manifest.json). This runs the
seal code the runner uses (`pipeline.seals.detect_seals`, then `read_seal_text` with
the OCR engine) over them and prints, as a before-figure for the seal work:

- close-ups found: the image is the seal (150-400 px, up to the whole image);
- page-scale found: each close-up pasted at about 45 mm at 200 dpi onto a generated
  plain work certificate (pipeline.samples, its own seal left out), and the real pages
  and licences as they are (a truth seal is found when a detected seal's centre lies
  within half its size of the truth box's centre);
- of the seals found, the organisation read on the ring: exact rate and mean
  similarity (difflib ratio after OpenCC t2s and dropping punctuation) against the
  truth; found but unread seals count with similarity 0;
- the inner line (发票专用章, 检验报告专用章, ...) and the 13-digit seal code read right,
  where the truth has them (the code once the Seal model carries a `code`);
- ID cards and licences: ID number, birth date and USCC read right by the extractors
  on the OCR of the whole image.

Usage: python bench/bench_real_seals.py [--json out.json] [--only NAME] [-v]
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import math
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.ocr import to_simplified  # noqa: E402
from pipeline.seals import detect_seals, read_seal_text  # noqa: E402
from pipeline.types import Seal  # noqa: E402

DATA = ROOT / "tests" / "data" / "real_seals"
SEAL_MM = 45  # a company seal's diameter (oval invoice seals are 40 x 30 mm)
DPI = 200
CROP_MARGIN = 1.15  # a close-up holds the seal plus a margin of paper around it
PASTE_SEED = 11


def load_manifest(data: Path = DATA) -> list[dict[str, Any]]:
    """The items of the set's manifest.json."""
    return json.loads((data / "manifest.json").read_text(encoding="utf-8"))["items"]


def load_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def norm_name(s: str | None) -> str:
    """Simplified characters, letters and digits only: the ring text as compared."""
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", to_simplified(s or ""))


def name_score(read: str | None, truth: str) -> tuple[bool, float]:
    """(exact, difflib ratio) of a ring reading against the truth name."""
    a, b = norm_name(read), norm_name(truth)
    if not a:
        return False, 0.0
    return a == b, difflib.SequenceMatcher(None, a, b).ratio()


def _centre(s: Seal) -> tuple[float, float, float]:
    assert s.bbox is not None
    x0, y0, x1, y1 = s.bbox
    return (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) / 2


def match_seal(seals: list[Seal], box: list[float] | tuple[float, ...]) -> Seal | None:
    """The detected seal whose centre is nearest the truth box's centre, within half the
    truth seal's size, and not far smaller or larger than it."""
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) / 2 / CROP_MARGIN
    best, best_d = None, math.inf
    for s in seals:
        if s.bbox is None:
            continue
        sx, sy, sr = _centre(s)
        d = math.hypot(sx - cx, sy - cy)
        if d <= 0.5 * r and 0.45 * r <= sr <= 1.8 * r and d < best_d:
            best, best_d = s, d
    return best


# ---------------------------------------------------------------- page-scale pasting

def plain_work_certificate(seed: int = PASTE_SEED) -> tuple[np.ndarray, tuple[int, int]]:
    """A generated work certificate page without its seal, and where its seal would be."""
    from pipeline.samples.documents import build_doc, render_pages, seal_places
    from pipeline.samples.people import make_person

    rng = random.Random(seed)
    spec = build_doc("work_certificate", make_person(rng), rng)
    places = seal_places(spec)
    page = np.asarray(render_pages(dataclasses.replace(spec, seal=None))[0].convert("RGB")).copy()
    if places:
        op = places[0][1]
        return page, (int(op.cx), int(op.cy))
    return page, (page.shape[1] - 450, int(page.shape[0] * 0.72))


def paste_seal(page: np.ndarray, closeup: np.ndarray, centre: tuple[int, int], oval: bool) -> tuple[np.ndarray, list[int]]:
    """The close-up scaled to a real seal's size at 200 dpi and printed onto the page (ink
    multiplies: paper in the close-up leaves the page as it is). Returns the page and the
    pasted box."""
    long_px = SEAL_MM / 25.4 * DPI * CROP_MARGIN * (40 / 45 if oval else 1.0)
    h, w = closeup.shape[:2]
    f = long_px / max(h, w)
    small = cv2.resize(closeup, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    # The close-up's paper (a scan's grey, a photo's shade) is lifted to white first.
    paper = np.percentile(small.reshape(-1, 3), 90, axis=0).clip(1, 255)
    ink = np.clip(small.astype(np.float32) / paper, 0, 1)
    sh, sw = small.shape[:2]
    x0, y0 = centre[0] - sw // 2, centre[1] - sh // 2
    ph, pw = page.shape[:2]
    x0, y0 = max(0, min(pw - sw, x0)), max(0, min(ph - sh, y0))
    out = page.copy()
    region = out[y0:y0 + sh, x0:x0 + sw].astype(np.float32)
    out[y0:y0 + sh, x0:x0 + sw] = (region * ink).clip(0, 255).astype(np.uint8)
    return out, [x0, y0, x0 + sw, y0 + sh]


# ---------------------------------------------------------------- cases

def _read(image: np.ndarray, seal: Seal | None, engine: Any) -> Seal | None:
    return None if seal is None else read_seal_text(image, seal, engine)


def _seal_result(kind: str, file: str, truth: dict[str, Any], seal: Seal | None, n_found: int) -> dict[str, Any]:
    """One truth seal's row; a name marked text_uncertain in the manifest counts for found only."""
    exact, sim = name_score(seal.text if seal else None, truth["text"]) if seal is not None else (False, 0.0)
    inner_truth, code_truth = truth.get("inner_text") or None, truth.get("code") or None
    inner_read = None if seal is None else seal.inner_text
    code_read = None if seal is None else getattr(seal, "code", None)  # the Seal field issue 11 adds
    return {"case": kind, "file": file, "truth": truth["text"], "ink": truth.get("ink", "red"),
            "inner_truth": inner_truth, "inner_right": bool(inner_truth and norm_name(inner_read) == norm_name(inner_truth)),
            "code_truth": code_truth, "code_read": code_read, "code_right": bool(code_truth and code_read == code_truth),
            "scored": not truth.get("text_uncertain"),
            "found": seal is not None, "detected": n_found,
            "read": None if seal is None else seal.text, "inner": None if seal is None else seal.inner_text,
            "shape": None if seal is None else seal.shape, "color": None if seal is None else seal.color,
            "exact": exact, "similarity": round(sim, 3)}


def closeup_case(item: dict[str, Any], image: np.ndarray, engine: Any) -> dict[str, Any]:
    """The image is the seal: found when a detected seal sits in its middle, at its size."""
    h, w = image.shape[:2]
    seals = detect_seals(image)
    seal = match_seal(seals, (0, 0, w, h))
    return _seal_result("closeup", item["file"], item, _read(image, seal, engine), len(seals))


def pasted_case(item: dict[str, Any], image: np.ndarray, page: np.ndarray, centre: tuple[int, int],
                engine: Any) -> dict[str, Any]:
    """The close-up printed at 45 mm onto a plain work certificate."""
    pasted, box = paste_seal(page, image, centre, item.get("shape") == "oval")
    seals = detect_seals(pasted)
    seal = match_seal(seals, box)
    return _seal_result("pasted", item["file"], item, _read(pasted, seal, engine), len(seals))


def page_cases(item: dict[str, Any], image: np.ndarray, engine: Any) -> list[dict[str, Any]]:
    """A real page or licence: each truth seal with a box, matched by position."""
    seals = detect_seals(image)
    out = []
    for t in item.get("seals", []):
        if "box" not in t:
            continue
        seal = match_seal(seals, t["box"])
        out.append(_seal_result("page", item["file"], t, _read(image, seal, engine), len(seals)))
    return out


def field_case(item: dict[str, Any], image: np.ndarray, engine: Any) -> list[dict[str, Any]]:
    """ID number, birth date (ID cards) and USCC (licences) as the extractors read them from
    the OCR of the whole image."""
    from extractors import extract_document
    from pipeline.types import DocType, Document, PageText, Region

    doc_type = DocType.ID_CARD if item["kind"] == "id_card" else DocType.BUSINESS_LICENSE
    h, w = image.shape[:2]
    text = PageText(file=item["file"], page=1, region=Region(bbox=(0, 0, w, h)), lines=engine.read(image),
                    engine=engine.name)
    doc = extract_document(Document(file=item["file"], pages=[1], type=doc_type, type_confidence=1.0, texts=[text]))
    wanted = {"id_number": item.get("id_number"), "birth_date": item.get("birth"), "uscc": item.get("uscc")}
    # Letters and digits only: a printed date 2013年05月06日 holds the truth 2013-05-06.
    flat = re.sub(r"[^0-9A-Z]", "", "".join(line.text for line in text.lines).upper())
    out = []
    for name, truth in wanted.items():
        if not truth:
            continue
        fv = doc.fields.get(name)
        got = None if fv is None else str(fv.value)
        out.append({"case": "field", "file": item["file"], "field": name, "truth": truth, "read": got,
                    "right": got == truth, "in_ocr": re.sub(r"[^0-9A-Z]", "", truth) in flat})
    return out


# ---------------------------------------------------------------- report

def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and rates per case kind."""
    out: dict[str, Any] = {}
    for kind in ("closeup", "pasted", "page"):
        rs = [r for r in rows if r["case"] == kind]
        found = [r for r in rs if r["found"] and r["scored"]]
        out[kind] = {"n": len(rs), "found": sum(1 for r in rs if r["found"]), "scored": len(found),
                     "read": sum(1 for r in found if r["read"]),
                     "exact": sum(1 for r in found if r["exact"]),
                     "mean_similarity": round(sum(r["similarity"] for r in found) / len(found), 3) if found else 0.0}
    for kind in ("closeup", "pasted"):
        rs = [r for r in rows if r["case"] == kind]
        out[kind]["inner"] = [sum(r["inner_right"] for r in rs), sum(1 for r in rs if r["inner_truth"])]
        out[kind]["code"] = [sum(r["code_right"] for r in rs), sum(1 for r in rs if r["code_truth"])]
    fields = [r for r in rows if r["case"] == "field"]
    out["fields"] = {"n": len(fields), "right": sum(1 for r in fields if r["right"]),
                     "in_ocr": sum(1 for r in fields if r["in_ocr"])}
    return out


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f} %)" if b else "0/0"


def print_report(rows: list[dict[str, Any]], summary: dict[str, Any], verbose: bool) -> None:
    """The before-figure table and the failures."""
    print("\nReal seal set: tests/data/real_seals (seal code as the runner calls it)\n")
    print(f"{'case':<28} {'found':>14} {'read':>6} {'name exact':>14} {'mean sim':>9}")
    labels = {"closeup": "close-ups (image = seal)", "pasted": "close-ups at 45 mm on a page",
              "page": "seals on real pages/licences"}
    for kind, label in labels.items():
        s = summary[kind]
        print(f"{label:<28} {_pct(s['found'], s['n']):>14} {s['read']:>6} {_pct(s['exact'], s['scored']):>14} "
              f"{s['mean_similarity']:>9.3f}")
    for kind in ("closeup", "pasted"):
        s = summary[kind]
        print(f"{labels[kind]:<28} inner text right {_pct(*s['inner'])}, 13-digit code right {_pct(*s['code'])}")
    f = summary["fields"]
    print(f"{'ID / USCC fields right':<28} {_pct(f['right'], f['n']):>14}   (truth string in the raw OCR: "
          f"{_pct(f['in_ocr'], f['n'])})")
    print("\nPer seal (found / read / similarity):")
    for r in rows:
        if r["case"] == "field":
            mark = "ok " if r["right"] else "BAD"
            print(f"  {mark} field   {r['file']:<44} {r['field']}: read {r['read']!r} truth {r['truth']!r} "
                  f"(in raw OCR: {r['in_ocr']})")
            continue
        if not verbose and r["exact"]:
            continue
        state = "exact" if r["exact"] else ("found" if r["found"] else "MISSED")
        if r["found"] and not r["scored"]:
            state = "found?"
        print(f"  {state:<6} {r['case']:<7} {r['file']:<44} read {r['read']!r} (sim {r['similarity']:.2f}) "
              f"truth {r['truth']} [{r['detected']} detected]")


def run(only: str | None = None, data: Path = DATA) -> list[dict[str, Any]]:
    """Every case of the set, in manifest order."""
    from models.ocr import get_engine

    engine = get_engine("rapidocr")
    page, centre = plain_work_certificate()
    rows: list[dict[str, Any]] = []
    for item in load_manifest(data):
        if only and only not in item["file"]:
            continue
        image = load_rgb(data / item["file"])
        if item["kind"] == "closeup":
            rows.append(closeup_case(item, image, engine))
            rows.append(pasted_case(item, image, page, centre, engine))
        else:
            rows.extend(page_cases(item, image, engine))
        if item["kind"] in ("id_card", "licence"):
            rows.extend(field_case(item, image, engine))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write rows and summary here")
    ap.add_argument("--only", help="only the files whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="list exact readings too")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = run(args.only)
    summary = summarise(rows)
    print_report(rows, summary, args.verbose)
    print(f"\n{time.perf_counter() - t0:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
