"""Report writers: report.json, queue.csv, queue.xlsx, report.html and evidence/ crops.

Everything here reads a finished `Report` and writes files; nothing decides anything.
Every file goes through `atomic_write` (pipeline/fileio.py: temp name in the same folder, then os.replace),
so a run killed half-way leaves the previous outputs or the new ones, never a torn file.
report.json is written last: when it is there, everything it points at is there too.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as _dt
import html
import io
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from enum import Enum
from hashlib import sha1
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from pipeline import summary_table as st
from pipeline import timing
from pipeline.comparison import Secrets, comparison
from pipeline.fileio import atomic_write
from pipeline.messages import (
    color_word,
    decision_word,
    describe,
    doc_type_name,
    field_name,
    format_value,
    ref_label,
    severity_word,
    shape_word,
)
from pipeline.types import (
    ApplicantResult,
    BBox,
    Decision,
    Document,
    Finding,
    Page,
    Report,
    Seal,
)

log = logging.getLogger(__name__)


DECISION_RANK = {Decision.REJECT: 0, Decision.REVIEW: 1, Decision.PASS: 2}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
QUEUE_HEADERS = ["序号", "材料目录", "姓名", "身份证号", "结论", "风险", "置信度", "问题"]
BATCH_DIR = "_batch"  # evidence folder of batch-level findings

THUMB_BOX = (200, 400)  # px; a long image keeps a legible width up to 400 px high
THUMB_QUALITY = 60
EVIDENCE_MAX_SIDE = 1200
EVIDENCE_QUALITY = 80
PHOTO_MAX_SIDE = 400
PAGE_MAX_SIDE = 1600  # pages/: what the web UI shows, field boxes scaled onto it
PAGE_QUALITY = 75
MAX_CUES = 10
LOW_FIELD_CONFIDENCE = 0.6  # shown in red in the HTML fields table
MAX_EVIDENCE_PER_FINDING = 3

# ---------------------------------------------------------------- ordering


def queue_order(applicants: Iterable[ApplicantResult]) -> list[ApplicantResult]:
    """Most urgent first: reject, review, pass; then higher risk; then key.

    Risk is compared as shown (3 decimals) so the visible order never looks wrong."""
    return sorted(
        applicants,
        key=lambda a: (DECISION_RANK.get(a.decision, 3), -round(a.risk, 3), a.key),
    )


def _by_severity(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_RANK.get(str(f.severity), 3))


def findings_text(findings: Sequence[Finding]) -> str:
    """The queue's 问题 cell: every finding in words, errors first, joined with ；."""
    return "；".join(dict.fromkeys(describe(f) for f in _by_severity(findings)))


# ---------------------------------------------------------------- report.json


def _r(x: float | None, nd: int = 3) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def _bbox(b: BBox | Sequence[float] | None) -> list[float] | None:
    if b is None:
        return None
    return [round(float(v), 1) for v in b]


def _jsonable(v: Any) -> Any:
    """Whatever a stage put in a value/expected/found, as plain JSON (NaN -> null)."""
    if v is None or isinstance(v, (bool, str, int)):
        return v.value if isinstance(v, Enum) else v
    if isinstance(v, Enum):
        return _jsonable(v.value)
    if isinstance(v, float):
        return round(v, 6) if math.isfinite(v) else None
    if isinstance(v, Decimal):
        return _jsonable(float(v))
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (set, frozenset)):
        return [_jsonable(x) for x in sorted(v, key=str)]
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "model_dump"):
        return _jsonable(v.model_dump(mode="json"))
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return _jsonable(dataclasses.asdict(v))
    return str(v)


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A finding in contract shape; confidence only when known (schema: number)."""
    d: dict[str, Any] = {
        "code": f.code,
        "severity": str(f.severity),
        "message": f.message,
        "subject": f.subject,
    }
    conf = _r(f.confidence)
    if conf is not None:
        d["confidence"] = conf
    d["documents"] = list(f.documents)
    d["expected"] = _jsonable(f.expected)
    d["found"] = _jsonable(f.found)
    d["evidence"] = list(f.evidence)
    return d


def _seal_dict(s: Seal) -> dict[str, Any]:
    d: dict[str, Any] = {"page": s.page, "bbox": _bbox(s.bbox)}
    # The schema's enums have no null: leave out what was not told.
    if s.shape:
        d["shape"] = s.shape
    if s.color:
        d["color"] = s.color
    d["text"] = s.text
    d["confidence"] = _r(s.confidence) or 0.0
    # Additions to the contract: how sure the ring reading is, and the inner text.
    if s.text_confidence is not None:
        d["text_confidence"] = _r(s.text_confidence)
    if s.inner_text:
        d["inner_text"] = s.inner_text
    if s.code:
        d["code"] = s.code
    return d


def document_to_dict(doc: Document) -> dict[str, Any]:
    """A document in contract shape; OCR texts stay internal, a few cues say why."""
    d: dict[str, Any] = {
        "file": doc.file,
        "pages": list(doc.pages),
        "type": str(doc.type),
        "type_confidence": _r(doc.type_confidence) or 0.0,
        "fields": {
            k: {
                "value": _jsonable(fv.value),
                "confidence": _r(fv.confidence) or 0.0,
                "page": fv.page,
                "bbox": _bbox(fv.bbox),
            }
            for k, fv in doc.fields.items()
        },
        "seals": [_seal_dict(s) for s in doc.seals],
    }
    if doc.cues:
        d["cues"] = list(doc.cues[:MAX_CUES])
    return d


def applicant_to_dict(a: ApplicantResult, photo_evidence: str | None = None,
                      page_images: dict[str, str] | None = None) -> dict[str, Any]:
    """An applicant in contract shape; OCR texts are internal and left out. `pages` (an
    addition to the contract) lists each rendered page with its image under pages/ and
    the pixel size its bboxes refer to."""
    photo: dict[str, Any] | None = None
    if a.photo is not None:
        photo = _jsonable(a.photo.model_dump())
        if photo_evidence:
            photo["evidence"] = photo_evidence
    return {
        "key": a.key,
        "decision": str(a.decision),
        "risk": _r(a.risk) or 0.0,
        "confidence": _r(a.confidence) or 0.0,
        "identity": _jsonable(a.identity),
        "documents": [document_to_dict(d) for d in a.documents],
        "photo": photo,
        "findings": [finding_to_dict(f) for f in a.findings],
        # Addition: the roster row as declared, so a reviewer sees it beside the documents.
        **({"roster": {k: v for k, v in a.roster.items() if v}} if a.roster else {}),
        "pages": [
            {"file": p.file, "page": p.number, "width": p.width, "height": p.height,
             "rotation": p.rotation, "image": (page_images or {}).get(f"{p.file}#{p.number}")}
            for p in a.pages
        ],
    }


def report_to_dict(report: Report, photo_evidence: dict[str, str] | None = None,
                   page_images: dict[str, str] | None = None) -> dict[str, Any]:
    """The contract's report.json as a dict, same input -> same output, key order fixed.

    Applicants are sorted by key so the worker completion order never shows through.
    `photo_evidence` maps applicant key -> relative path of its photo crop."""
    photo_evidence = photo_evidence or {}
    s = report.stats
    return {
        "schema_version": report.schema_version,
        "profile": report.profile,
        "batch_date": report.batch_date,
        "stats": {
            "applicants": s.applicants,
            "files": s.files,
            "pages": s.pages,
            "seconds": _r(max(s.seconds, 0.0)) or 0.0,
            "ocr_seconds": _r(max(s.ocr_seconds, 0.0)) or 0.0,
        },
        "skipped": [{"path": k.path, "reason": k.reason} for k in report.skipped],
        "findings": [finding_to_dict(f) for f in report.findings],
        "applicants": [
            applicant_to_dict(a, photo_evidence.get(a.key), page_images)
            for a in sorted(report.applicants, key=lambda a: a.key)
        ],
    }


# ---------------------------------------------------------------- atomic files




# ---------------------------------------------------------------- queue.csv / .xlsx


def queue_rows(report: Report) -> list[list[Any]]:
    """The queue as rows under QUEUE_HEADERS, shared by CSV, XLSX and HTML."""
    rows: list[list[Any]] = []
    for i, a in enumerate(queue_order(report.applicants), 1):
        rows.append(
            [
                i,
                a.key,
                format_value(a.identity.get("name")),
                format_value(a.identity.get("id_number")),
                decision_word(a.decision),
                _r(a.risk) or 0.0,
                _r(a.confidence) or 0.0,
                findings_text(a.findings),
            ]
        )
    return rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# A long run of digits (ID, phone, certificate numbers): Excel and WPS read it as a number
# and show 5.10105E+17, losing the last digits. ="…" keeps it text, and is safe because
# the content is digits only.
_LONG_NUMBER = re.compile(r"\d{11,}[\dXx]?")


def csv_cell(v: Any) -> Any:
    """Folder names and readings are user data: text that a spreadsheet would run as a
    formula (a leading = + - @, also after spaces or a newline, or their full-width forms)
    gets a leading apostrophe (CSV injection); long numbers are kept as text."""
    if not isinstance(v, str):
        return v
    if _LONG_NUMBER.fullmatch(v):
        return f'="{v}"'
    if v.lstrip(" \u3000").startswith(_FORMULA_START):
        return "'" + v
    return v


def queue_csv_bytes(report: Report) -> bytes:
    """UTF-8 with BOM: Excel on Windows reads Chinese correctly only with it."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(QUEUE_HEADERS)
    w.writerows([csv_cell(v) for v in row] for row in queue_rows(report))
    return buf.getvalue().encode("utf-8-sig")


def queue_xlsx_bytes(report: Report) -> bytes:
    """queue.xlsx: first the notice's own summary table (汇总表) for the profile, in its
    column order, then 系统结论, 风险, 置信度, 问题 (pipeline.summary_table, the same
    writer as the web UI's export); then the short queue (the CSV's columns); then the
    batch-level issues. ID numbers are text (Excel would turn 18 digits into 4.4E+17)."""
    ordered = [applicant_to_dict(a) for a in queue_order(report.applicants)]
    name = st.table_name(report.profile)
    sheets = [(st.TABLE_TITLES[name], st.headers(report.profile), st.rows(ordered, report.profile)),
              ("复核队列", QUEUE_HEADERS, queue_rows(report))]
    if report.findings or report.skipped:
        batch = [[severity_word(f.severity), describe(f), f.message, "；".join(f.documents)]
                 for f in _by_severity(report.findings)]
        batch += [["跳过", "未处理的文件", k.reason, k.path] for k in report.skipped]
        sheets.append(("批次问题", ["级别", "问题", "说明", "文件"], batch))
    return st.workbook_bytes(sheets)


# ---------------------------------------------------------------- images


_UNSAFE = re.compile(r"[^\w\-.]+", re.UNICODE)


def safe_name(s: str, fallback: str = "x", max_len: int = 80) -> str:
    """A file name made from user data: no separators, no leading dots, bounded length."""
    name = _UNSAFE.sub("_", s).strip("._")[:max_len]
    return name or fallback


def _safe_dirs(keys: Iterable[str]) -> dict[str, str]:
    """Applicant key -> evidence folder name, unique even when two keys sanitise alike."""
    used = {BATCH_DIR}
    out: dict[str, str] = {}
    for key in sorted(set(keys)):
        name = safe_name(key, "applicant")
        if name in used:
            name = f"{name[:70]}_{sha1(key.encode()).hexdigest()[:8]}"
        used.add(name)
        out[key] = name
    return out


def _parse_ref(ref: str) -> tuple[str, int]:
    file, _, page = ref.rpartition("#")
    if not file:
        return ref, 1
    try:
        return file, max(int(page), 1)
    except ValueError:
        return ref, 1


def _load_rgb(path: str) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
            im = im.convert("RGBA")
            bg = Image.new("RGB", im.size, "white")
            bg.paste(im, mask=im.getchannel("A"))
            return bg
        return im.convert("RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _scaled_box(box: Sequence[float], page: Page, im: Image.Image) -> tuple[int, int, int, int]:
    """A page-pixel bbox in the pixels of the image actually on disk (which a renderer
    may have stored at another scale), clamped to the image."""
    sx = im.width / page.width if page.width else 1.0
    sy = im.height / page.height if page.height else 1.0
    x0, y0, x1, y1 = box
    x0, x1 = sorted((x0 * sx, x1 * sx))
    y0, y1 = sorted((y0 * sy, y1 * sy))
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(im.width, int(math.ceil(x1))), min(im.height, int(math.ceil(y1)))
    return x0, y0, x1, y1


def _pad(box: Sequence[float], px: float, py: float) -> BBox:
    x0, y0, x1, y1 = box
    return (x0 - px, y0 - py, x1 + px, y1 + py)


def _crop_box(
    f: Finding, page_no: int, docs: list[Document], photo_file: str | None
) -> tuple[BBox | None, BBox | None]:
    """What of the page a finding is about, as (crop, mark): its field's bbox or the
    document's seals (marked inside a padded crop), else the document's region, else
    the whole page (None)."""
    target = docs
    if len(docs) > 1:
        target = [d for d in docs if f.subject == str(d.type)]
        if not target and f.code.startswith("PHOTO_"):
            target = [d for d in docs if d.type == "photo" or d.file == photo_file]
    if f.subject:
        for d in target or docs:
            fv = d.fields.get(f.subject)
            if fv is not None and fv.bbox is not None and fv.page in (None, page_no):
                h = fv.bbox[3] - fv.bbox[1]
                return _pad(fv.bbox, max(60.0, 2.0 * h), max(30.0, 1.0 * h)), fv.bbox
    # SEAL_MISSING has no seal to show: the document itself is the evidence.
    if f.code.startswith("SEAL_") and f.code != "SEAL_MISSING":
        boxes = [s.bbox for d in target or docs for s in d.seals if s.page == page_no and s.bbox]
        if boxes:
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            m = 0.3 * max(box[2] - box[0], box[3] - box[1])
            return _pad(box, m, m), box
    if len(target) == 1:
        return _region_box(target[0], page_no), None
    return None, None


def _region_box(doc: Document, page_no: int) -> BBox | None:
    for t in doc.texts:
        if t.page == page_no and t.region.kind != "page":
            return t.region.bbox
    return None


def _cut(
    im: Image.Image, page: Page, box: BBox | None, max_side: int, mark: BBox | None = None
) -> Image.Image:
    """The crop, downscaled to max_side, with `mark` outlined in red so the reviewer sees
    at once which line or seal is meant."""
    ox = oy = 0
    out = None
    if box is not None:
        x0, y0, x1, y1 = _scaled_box(box, page, im)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            out, ox, oy = im.crop((x0, y0, x1, y1)), x0, y0
    if out is None:
        out = im.copy()
    if mark is not None:
        x0, y0, x1, y1 = _scaled_box(_pad(mark, 6, 6), page, im)
        width = max(3, round(max(out.width, out.height) / 300))
        ImageDraw.Draw(out).rectangle(
            (x0 - ox, y0 - oy, x1 - ox, y1 - oy), outline=(230, 0, 0), width=width
        )
    out.thumbnail((max_side, max_side))
    return out


@dataclasses.dataclass
class _Images:
    thumbs: dict[str, str] = dataclasses.field(default_factory=dict)  # ref -> data URI
    evidence: dict[int, list[str]] = dataclasses.field(default_factory=dict)  # finding idx
    photo: str | None = None
    pages: dict[str, str] = dataclasses.field(default_factory=dict)  # ref -> pages/...jpg
    written: list[Path] = dataclasses.field(default_factory=list)


class _Index:
    """Pages and documents of the whole batch by (file, page): a finding may point at a
    page of another applicant (duplicates across the batch)."""

    def __init__(self, report: Report) -> None:
        self.pages: dict[tuple[str, int], Page] = {}
        self.docs: dict[tuple[str, int], list[Document]] = {}
        for a in report.applicants:
            for p in a.pages:
                self.pages.setdefault((p.file, p.number), p)
            for d in a.documents:
                for n in d.pages or [1]:
                    self.docs.setdefault((d.file, n), []).append(d)


def _render_images(
    findings: Sequence[Finding],
    own_pages: Sequence[Page],
    index: _Index,
    out_dir: Path,
    folder: str,
    photo_file: str | None = None,
    photo_doc: Document | None = None,
) -> _Images:
    """Thumbnails of own pages and evidence crops of findings, opening each page image
    once. A page that cannot be read gives no picture, never an error: the report must
    come out whatever the images are."""
    res = _Images()
    jobs: dict[tuple[str, int], list[tuple[str, Any]]] = {}
    for p in own_pages:
        jobs.setdefault((p.file, p.number), []).append(("thumb", None))
    for i, f in enumerate(findings):
        refs = list(dict.fromkeys(f.documents))[:MAX_EVIDENCE_PER_FINDING]
        for m, ref in enumerate(refs):
            file, page_no = _parse_ref(ref)
            if (file, page_no) not in index.pages:
                continue
            suffix = "" if m == 0 else f"_{m + 1}"
            name = f"{i + 1}_{safe_name(f.code, 'finding', 40)}{suffix}.jpg"
            jobs.setdefault((file, page_no), []).append(("evidence", (i, f, page_no, name)))
    if photo_file:
        pno = photo_doc.pages[0] if photo_doc and photo_doc.pages else 1
        if (photo_file, pno) in index.pages:
            box = _region_box(photo_doc, pno) if photo_doc else None
            jobs.setdefault((photo_file, pno), []).append(("photo", box))

    for key, todo in jobs.items():
        page = index.pages.get(key)
        if page is None:
            continue
        picture = _LazyPage(page.image_path)
        try:
            for kind, arg in todo:
                try:
                    _render_one(res, picture, page, kind, arg, index, out_dir, folder, photo_file)
                except _Unreadable:
                    break  # logged once; no picture of this page
                except Exception as exc:  # a bad crop must not lose the report
                    log.warning("cannot render %s of %s#%s: %s", kind, key[0], key[1], exc)
        finally:
            picture.close()
    for lst in res.evidence.values():
        lst.sort()
    return res


class _Unreadable(Exception):
    """The page image cannot be opened (already logged)."""


class _LazyPage:
    """A page image decoded on first use only: on a re-run every picture of the page
    comes from the derived-picture cache and the page PNG is never decoded."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._im: Image.Image | None = None

    def get(self) -> Image.Image:
        if self._im is None:
            try:
                self._im = _load_rgb(self.path)
            except Exception as exc:  # any unreadable image: no picture
                log.warning("cannot open page image %s: %s", self.path, exc)
                raise _Unreadable(self.path) from exc
        return self._im

    def close(self) -> None:
        if self._im is not None:
            self._im.close()


# Bump when a picture made from a page changes for the same parameters (crop, marks).
DERIVED_VERSION = 1


def _derived(page: Page, params: tuple[Any, ...], make: Callable[[], bytes]) -> bytes:
    """A JPEG made from a page image, cached beside it in the work dir under a key of the
    image's identity (name, size, mtime) and `params`, so that a re-run of the same batch
    re-encodes nothing (issue 14). A cache that cannot be read or written costs only the
    re-encoding."""
    src = Path(page.image_path)
    try:
        st = src.stat()
    except OSError:
        return make()  # no image: `make` says so
    tag = sha1(repr((DERIVED_VERSION, src.name, st.st_size, st.st_mtime_ns, page.width, page.height,
                     params)).encode("utf-8")).hexdigest()[:24]
    cached = src.parent / ".derived" / f"{src.stem}-{tag}.jpg"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = make()
    try:
        atomic_write(cached, data, fsync=False)
    except OSError as exc:
        log.debug("cannot cache %s: %s", cached, exc)
    return data


def _write_if_changed(path: Path, data: bytes) -> None:
    """`atomic_write` unless the file already holds these bytes (a re-run rewrites and
    fsyncs nothing that did not change)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write(path, data)


def _render_one(
    res: _Images,
    picture: _LazyPage,
    page: Page,
    kind: str,
    arg: Any,
    index: _Index,
    out_dir: Path,
    folder: str,
    photo_file: str | None,
) -> None:
    """One picture of a page: its thumbnail, a finding's crop, or the photo (each from
    the derived-picture cache when a run made it before)."""
    if kind == "thumb":

        def thumb() -> bytes:
            t = picture.get().copy()
            t.thumbnail(THUMB_BOX)
            return _jpeg(t, THUMB_QUALITY)

        def view() -> bytes:
            full = picture.get().copy()
            full.thumbnail((PAGE_MAX_SIDE, PAGE_MAX_SIDE * 4))
            return _jpeg(full, PAGE_QUALITY)

        data = base64.b64encode(_derived(page, ("thumb", THUMB_BOX, THUMB_QUALITY), thumb)).decode("ascii")
        res.thumbs[f"{page.file}#{page.number}"] = "data:image/jpeg;base64," + data
        # The page as the reviewer sees it in the web UI; bboxes are in page pixels, so
        # report.json gives the page's width and height beside the image.
        rel = f"pages/{folder}/{_page_image_name(page)}"
        _write_if_changed(out_dir / rel, _derived(page, ("view", PAGE_MAX_SIDE, PAGE_QUALITY), view))
        res.written.append(out_dir / rel)
        res.pages[f"{page.file}#{page.number}"] = rel
        return
    if kind == "evidence":
        i, f, page_no, name = arg
        docs = index.docs.get((page.file, page_no), [])
        box, mark = _crop_box(f, page_no, docs, photo_file)
        rel = f"evidence/{folder}/{name}"
        data = _derived(page, ("cut", box, mark, EVIDENCE_MAX_SIDE, EVIDENCE_QUALITY),
                        lambda: _jpeg(_cut(picture.get(), page, box, EVIDENCE_MAX_SIDE, mark), EVIDENCE_QUALITY))
        _write_if_changed(out_dir / rel, data)
        res.written.append(out_dir / rel)
        res.evidence.setdefault(i, []).append(rel)
        return
    rel = f"evidence/{folder}/photo.jpg"
    data = _derived(page, ("cut", arg, None, PHOTO_MAX_SIDE, 85),
                    lambda: _jpeg(_cut(picture.get(), page, arg, PHOTO_MAX_SIDE), 85))
    _write_if_changed(out_dir / rel, data)
    res.written.append(out_dir / rel)
    res.photo = rel


def _page_image_name(page: Page) -> str:
    """A unique, safe file name for a page: the file's name, a short hash of its path
    (two files may share a name in subfolders) and the page number."""
    stem = safe_name(Path(page.file).stem, "page", 40)
    tag = sha1(page.file.encode("utf-8")).hexdigest()[:6]
    return f"{stem}_{tag}_p{page.number}.jpg"


def _photo_doc(a: ApplicantResult) -> Document | None:
    if a.photo is None:
        return None
    for d in a.documents:
        if d.file == a.photo.file and d.type == "photo":
            return d
    for d in a.documents:
        if d.file == a.photo.file:
            return d
    return None


# ---------------------------------------------------------------- report.html

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
 "WenQuanYi Zen Hei",sans-serif;margin:0;padding:16px 28px 60px;color:#1f2328;
 background:#f5f6f8;font-size:14px;line-height:1.5}
h1{font-size:22px;margin:4px 0 4px}
h2{font-size:17px;margin:22px 0 8px;border-left:4px solid #3b6fd8;padding-left:8px}
.meta{color:#57606a;margin-bottom:10px}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0}
.count{padding:8px 18px;border-radius:8px;font-size:15px;min-width:120px}
.count b{font-size:22px;margin-left:6px}
.reject{background:#fde2e1;color:#a40e26}
.review{background:#fff1c2;color:#7a5300}
.pass{background:#dcf3e1;color:#1a6b32}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;white-space:nowrap}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;white-space:nowrap;position:sticky;top:0}
table.queue{width:100%}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.id{font-family:Consolas,"DejaVu Sans Mono",monospace;white-space:nowrap}
a{color:#0b57c2;text-decoration:none}
a:hover{text-decoration:underline}
.tools{margin:8px 0}
.tools button{margin-right:6px;padding:3px 10px;cursor:pointer}
details.app{background:#fff;border:1px solid #d8dee4;border-radius:8px;margin:8px 0;
 padding:0 14px}
details.app>summary{cursor:pointer;padding:9px 0;font-size:15px}
details.app>summary .k{font-weight:600;margin:0 8px}
details.app[open]>summary{border-bottom:1px solid #e5e8eb;margin-bottom:8px}
.ident td:first-child{color:#57606a;white-space:nowrap}
ul.findings{margin:4px 0 10px;padding-left:0;list-style:none}
ul.findings li{margin:3px 0}
.sev{display:inline-block;width:38px;text-align:center;border-radius:4px;font-size:12px;
 margin-right:6px}
.sev-error{background:#a40e26;color:#fff}
.sev-warning{background:#d4a017;color:#fff}
.sev-info{background:#8c959f;color:#fff}
.code{color:#8c959f;font-family:monospace;font-size:11px;margin-left:6px}
.msg{color:#57606a;font-size:12px;margin-left:6px}
.file{border-top:1px dashed #d0d7de;padding:8px 0}
.fname{font-weight:600;word-break:break-all}
.doc{margin:6px 0 6px 12px}
.dtype{font-weight:600}
.conf{color:#57606a;font-size:12px}
.cues{color:#8c959f;font-size:12px}
.thumbs{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0}
figure{margin:0;text-align:center;font-size:12px;color:#57606a}
figure img{display:block;max-width:200px;max-height:400px;border:1px solid #c9d1d9;
 background:#fafafa}
.noimg{width:140px;height:90px;display:flex;align-items:center;justify-content:center;
 border:1px dashed #c9d1d9;color:#8c959f}
table.fields{margin:4px 0 4px 12px;font-size:13px}
table.fields td.v{max-width:640px;white-space:pre-wrap;word-break:break-all}
.longv{max-height:8em;overflow:auto}
.none{color:#8c959f}
.lowc{color:#a40e26;font-weight:600}
.filebody{display:flex;gap:18px;align-items:flex-start}
.filebody .thumbs{flex:0 0 auto;max-width:440px}
.filebody .docs{flex:1 1 auto;min-width:0}
.legend{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:6px 14px;margin:8px 0;
 font-size:13px;color:#57606a}
.legend dt{display:inline;font-weight:600;color:#1f2328}
.legend dd{display:inline;margin:0 14px 0 4px}
ol.findings{margin:4px 0 10px;padding-left:22px}
ol.findings li{margin:4px 0}
.ev{display:flex;gap:6px;flex-wrap:wrap;margin:4px 0 2px}
.ev img{max-height:110px;max-width:320px;border:1px solid #c9d1d9;background:#fafafa}
.refs a{margin-right:4px}
a.thumb{display:block}
.fref{font-size:12px;color:#57606a;margin:2px 0 4px}
table.cmp{font-size:13px;margin:4px 0 10px}
table.cmp td.diff{background:#fde2e1;color:#a40e26;font-weight:600}
.pageview{display:none;position:fixed;inset:0;background:rgba(20,22,26,.97);overflow:auto;z-index:10;
 padding:14px}
.pageview:target{display:block}
.pageview .bar{color:#fff;margin:0 auto 8px;max-width:95vw;display:flex;justify-content:space-between}
.pageview .bar a{color:#fff;font-size:16px}
.pagebox{position:relative;margin:0 auto;width:fit-content;background:#fff}
.pagebox img{display:block;max-width:94vw;height:auto}
.box{position:absolute;border:2px solid #0b57c2;background:rgba(11,87,194,.08)}
.box.seal{border-color:#d1242f;background:rgba(209,36,47,.08);border-radius:50%}
.box.low{border-color:#d4a017}
.box.hit{border:3px solid #d1242f;background:rgba(209,36,47,.15)}
"""

_JS = """
function openHash(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
var el=document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.open=true;}}
function setAll(o){document.querySelectorAll('details.app').forEach(function(d){d.open=o;});}
function only(dec){document.querySelectorAll('details.app').forEach(function(d){
d.style.display=(!dec||d.dataset.decision===dec)?'':'none';});
document.querySelectorAll('tr.q').forEach(function(r){
r.style.display=(!dec||r.dataset.decision===dec)?'':'none';});}
window.addEventListener('hashchange',openHash);openHash();
document.addEventListener('keydown',function(e){if(e.key==='Escape'&&location.hash.indexOf('#pg-')===0){
history.back();}});
"""


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _badge(decision: Any) -> str:
    d = str(decision)
    return f'<span class="badge {_e(d)}">{_e(decision_word(d))}</span>'


LEGEND = (
    ("结论", "通过：没有需要人看的问题；需人工复核：有警告或把握不足的问题；不符合：明确违反通知的某条要求。"
             "结论只是预审意见，由审核人员决定。"),
    ("风险", "0–1，至少有一个问题属实的可能性；队列按风险从高到低排列。"),
    ("置信度", "0–1，系统对自己这条结论的把握；置信度 0.9 的结论大约十条里有九条是对的。"),
)


def _legend_html() -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in LEGEND)
    return f'<dl class="legend">{items}</dl>'


def _ref_links(refs: Sequence[str], anchors: dict[str, str]) -> str:
    """Document references as links to the full page (with its boxes) where the report
    has that page; as words otherwise."""
    out = []
    for r in list(dict.fromkeys(refs))[:5]:
        file, page = _parse_ref(r)
        anchor = anchors.get(f"{file}#{page}")
        label = _e(ref_label(r))
        out.append(f'<a href="#{_e(anchor)}">{label}</a>' if anchor else label)
    more = "等" if len(set(refs)) > 5 else ""
    return f'<span class="refs msg">[{"、".join(out)}{more}]</span>'


def _finding_li(f: Finding, anchors: dict[str, str] | None = None, fid: str | None = None) -> str:
    """One finding: severity, the reason in words, its pages as links, its confidence,
    and its evidence crops inline (the field's box on each document for a mismatch)."""
    sev = str(f.severity)
    parts = [
        f'<li{f" id={chr(34)}{_e(fid)}{chr(34)}" if fid else ""} title="{_e(f.code)}">'
        f'<span class="sev sev-{_e(sev)}">{_e(severity_word(sev))}</span>',
        _e(describe(f)),
    ]
    if f.documents:
        parts.append(_ref_links(f.documents, anchors or {}))
    if f.confidence is not None:
        parts.append(f'<span class="conf">置信度 {f.confidence:.2f}</span>')
    if f.evidence:
        imgs = "".join(
            f'<a href="{_e(rel)}" target="_blank"><img src="{_e(rel)}" alt="证据{j + 1}" loading="lazy"></a>'
            for j, rel in enumerate(f.evidence)
        )
        parts.append(f'<div class="ev">{imgs}</div>')
    return " ".join(parts) + "</li>"


def _value_html(key: str, value: Any) -> str:
    text = format_value(value, key)
    if len(text) > 120:
        return f'<div class="longv">{_e(text)}</div><span class="conf">（共{len(text)}字）</span>'
    return _e(text)


def _document_html(d: Document) -> str:
    pages = "、".join(str(p) for p in d.pages)
    out = [
        '<div class="doc">',
        f'<span class="dtype">{_e(doc_type_name(d.type))}</span>'
        f'<span class="code">{_e(d.type)}</span> '
        f'<span class="conf">类型置信度 {d.type_confidence:.2f} · 第{_e(pages)}页</span>',
    ]
    if d.fields:
        rows = "".join(
            f'<tr><td>{_e(field_name(k))}</td><td class="v">{_value_html(k, fv.value)}</td>'
            f'<td class="conf{" lowc" if fv.confidence < LOW_FIELD_CONFIDENCE else ""}">'
            f"{fv.confidence:.2f}</td></tr>"
            for k, fv in d.fields.items()
        )
        out.append(
            '<table class="fields"><tr><th>字段</th><th>识别结果</th><th>置信度</th></tr>'
            f"{rows}</table>"
        )
    for s in d.seals:
        bits = [
            s.text or "",
            shape_word(s.shape) if s.shape else "",
            color_word(s.color) if s.color else "",
        ]
        bits = [b for b in bits if b]
        out.append(
            f'<div class="conf">公章：第{s.page}页 {_e(" ".join(bits))} 置信度 {s.confidence:.2f}</div>'
        )
    out.append("</div>")
    return "".join(out)


def _comparison_html(a: ApplicantResult, is_org: bool) -> str:
    """The roster row beside each document's values, a differing cell marked: the web
    UI's table (pipeline.comparison), with full values (this page is the
    reviewer's own copy, as queue.xlsx is)."""
    secrets = Secrets()
    cmp = comparison(applicant_to_dict(a), is_org, secrets)
    if not cmp.rows:
        return ""
    head = "".join(
        f"<th>{_e(c)}" + (f'<br><span class="conf">{_e(sub)}</span>' if sub else "") + "</th>"
        for c, sub in cmp.columns
    )
    body = []
    for column, cells in cmp.rows:
        tds = "".join(
            f'<td class="{"diff" if c.differs else ""}">'
            f"{_e(secrets.values[c.secret] if c.secret is not None else c.text)}</td>"
            for c in cells
        )
        body.append(f"<tr><td>{_e(column)}</td>{tds}</tr>")
    title = "汇总表与材料对照" if cmp.has_roster else "材料对照"
    return f'<h3>{title}</h3><table class="cmp"><tr><th>项目</th>{head}</tr>{"".join(body)}</table>'


def _applicant_html(
    pos: int, a: ApplicantResult, thumbs: dict[str, str], photo_rel: str | None,
    anchors: dict[str, str] | None = None, is_org: bool = False,
) -> str:
    anchors = anchors or {}
    name = a.identity.get("name") or ""
    out = [
        f'<details class="app" id="a{pos}" data-decision="{_e(a.decision)}">',
        f'<summary>{pos}. {_badge(a.decision)}<span class="k">{_e(a.key)}</span>{_e(name)}'
        f' <span class="conf">风险 {a.risk:.2f} · 置信度 {a.confidence:.2f} · '
        f"{len(a.findings)} 个问题</span></summary>",
    ]
    if a.identity:
        rows = "".join(
            f"<tr><td>{_e(field_name(k))}</td><td>{_e(format_value(v, k))}</td></tr>"
            for k, v in a.identity.items()
        )
        out.append(f'<table class="ident">{rows}</table>')
    ordered = _by_severity(a.findings)
    number = {id(f): n for n, f in enumerate(ordered, 1)}
    out.append("<h3>问题</h3>" if a.findings else '<p class="none">未发现问题</p>')
    if a.findings:  # each finding once, here; the files below point back to it
        out.append(
            '<ol class="findings">'
            + "".join(_finding_li(f, anchors, f"f{pos}-{number[id(f)]}") for f in ordered)
            + "</ol>"
        )
    out.append(_comparison_html(a, is_org))
    if a.photo is not None:
        p = a.photo
        bits = [f"{p.width_px}×{p.height_px} 像素"]
        if p.background:
            bits.append(f"背景{color_word(p.background)}")
        if p.color is not None:
            bits.append("彩色" if p.color else "黑白")
        if p.faces is not None:
            bits.append(f"人脸 {p.faces}")
        if p.file_bytes is not None:
            bits.append(f"{p.file_bytes / 1024:.0f} KB")
        link = f' <a href="{_e(photo_rel)}" target="_blank">照片</a>' if photo_rel else ""
        out.append(f"<p>证件照：{_e(ref_label(p.file))}（{_e('，'.join(bits))}）{link}</p>")

    # Every file: from pages, documents, and findings (an unreadable file has only those).
    files: dict[str, None] = {}
    for p in a.pages:
        files.setdefault(p.file)
    for d in a.documents:
        files.setdefault(d.file)
    for f in a.findings:
        for r in f.documents:
            file, _ = _parse_ref(r)
            if file.split("/", 1)[0] == a.key or not file.count("/"):
                files.setdefault(file)
    out.append(f"<h3>文件（{len(files)}）</h3>")
    for file in files:
        pages = sorted((p for p in a.pages if p.file == file), key=lambda p: p.number)
        docs = [d for d in a.documents if d.file == file]
        about = [f for f in ordered if any(_parse_ref(r)[0] == file for r in f.documents)]
        out.append(f'<div class="file"><div class="fname">{_e(file)}</div>')
        if about:
            links = "、".join(f'<a href="#f{pos}-{number[id(f)]}">{number[id(f)]}</a>' for f in about)
            out.append(f'<div class="fref">相关问题：{links}</div>')
        out.append('<div class="filebody"><div class="thumbs">')
        if not pages:
            out.append('<div class="noimg">无页面预览</div>')
        for p in pages:
            ref = f"{p.file}#{p.number}"
            uri = thumbs.get(ref)
            img = (
                f'<img src="{uri}" alt="{_e(ref_label(ref))}" loading="lazy">'
                if uri
                else '<div class="noimg">无法显示</div>'
            )
            if uri and anchors.get(ref):
                img = f'<a class="thumb" href="#{_e(anchors[ref])}" title="查看整页">{img}</a>'
            out.append(f"<figure>{img}<figcaption>第{p.number}页</figcaption></figure>")
        out.append('</div><div class="docs">')
        if not docs:
            out.append('<div class="doc none">未识别出材料</div>')
        out.extend(_document_html(d) for d in docs)
        out.append("</div></div></div>")
    out.append("</details>")
    return "\n".join(out)


def _pct(v: float, whole: int) -> str:
    return f"{100.0 * v / max(whole, 1):.2f}%"


def _box_div(box: Sequence[float], page: Page, cls: str, title: str) -> str:
    x0, y0, x1, y1 = box
    return (
        f'<div class="box {cls}" title="{_e(title)}" style="left:{_pct(x0, page.width)};'
        f"top:{_pct(y0, page.height)};width:{_pct(x1 - x0, page.width)};"
        f'height:{_pct(y1 - y0, page.height)}"></div>'
    )


def _page_view_html(
    anchor: str, page: Page, image: str, docs: Sequence[Document], findings: Sequence[Finding], back: str
) -> str:
    """A page full size with the boxes the pipeline read (fields, seals) and the fields
    a finding is about, shown when its anchor is the location's target (no script)."""
    boxes = []
    hit_fields = {f.subject for f in findings if f.subject}
    for d in docs:
        first = d.pages[0] if d.pages else 1
        for k, fv in d.fields.items():
            if fv.bbox is None or (fv.page or first) != page.number:
                continue
            cls = "hit" if k in hit_fields else ("low" if fv.confidence < LOW_FIELD_CONFIDENCE else "")
            boxes.append(_box_div(fv.bbox, page, cls, f"{field_name(k)}：{format_value(fv.value, k)}"))
        for seal in d.seals:
            if seal.bbox is not None and seal.page == page.number:
                boxes.append(_box_div(seal.bbox, page, "seal", "公章" + (f"：{seal.text}" if seal.text else "")))
    return (
        f'<div class="pageview" id="{_e(anchor)}"><div class="bar"><span>{_e(page.file)} 第{page.number}页'
        f"（蓝框：识别的字段；红框：公章或有问题的字段）</span>"
        f'<a href="#{_e(back)}">关闭 ✕</a></div><div class="pagebox">'
        f'<img src="{_e(image)}" alt="{_e(ref_label(f"{page.file}#{page.number}"))}" loading="lazy">'
        + "".join(boxes)
        + "</div></div>"
    )


def report_html(
    report: Report,
    thumbs: dict[str, str] | None = None,
    photos: dict[str, str] | None = None,
    page_images: dict[str, str] | None = None,
) -> str:
    """One page: counts with a legend, the queue, one collapsible section per applicant
    (each finding once, with its evidence crops and links to its pages), and each page
    full size with its boxes behind its thumbnail. `thumbs` maps "<file>#<page>" to a
    data: URI; `photos` applicant key -> photo crop; `page_images` "<file>#<page>" ->
    pages/… (the full pages beside report.html)."""
    thumbs = thumbs or {}
    photos = photos or {}
    page_images = page_images or {}
    ordered = queue_order(report.applicants)
    is_org = str(report.profile).endswith("org-filing")
    counts = {d: sum(1 for a in ordered if a.decision == d) for d in DECISION_RANK}
    anchors: dict[str, str] = {}
    views: list[str] = []
    for pos, a in enumerate(ordered, 1):
        for n, p in enumerate(sorted(a.pages, key=lambda p: (p.file, p.number)), 1):
            ref = f"{p.file}#{p.number}"
            if ref in page_images and ref not in anchors:
                anchors[ref] = f"pg-{pos}-{n}"
                docs = [d for d in a.documents if d.file == p.file and p.number in (d.pages or [1])]
                about = [f for f in a.findings if any(_parse_ref(r) == (p.file, p.number) for r in f.documents)]
                views.append(_page_view_html(anchors[ref], p, page_images[ref], docs, about, f"a{pos}"))
    s = report.stats
    out = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>材料预审报告 · {_e(report.profile)} · {_e(report.batch_date)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>材料预审报告</h1>",
        f'<div class="meta">规则：{_e(report.profile)} · 审核基准日：{_e(report.batch_date)} · '
        f"申请人 {s.applicants} · 文件 {s.files} · 页 {s.pages} · 用时 {s.seconds:.1f} 秒</div>",
        '<div class="counts">',
    ]
    for d, n in counts.items():
        out.append(
            f'<a class="count {_e(d)}" href="#" onclick="only(\'{_e(d)}\');return false;">'
            f"{_e(decision_word(d))}<b>{n}</b></a>"
        )
    out.append(
        '<a class="count" href="#" onclick="only(\'\');return false;">全部'
        f"<b>{len(ordered)}</b></a></div>"
    )
    out.append(_legend_html())
    if report.findings or report.skipped:
        out.append("<h2>批次问题</h2>")
        if report.findings:
            out.append(
                '<ol class="findings">'
                + "".join(_finding_li(f, anchors) for f in _by_severity(report.findings))
                + "</ol>"
            )
        if report.skipped:
            items = "".join(f"<li>{_e(k.path)}：{_e(k.reason)}</li>" for k in report.skipped)
            out.append(f"<p>未处理的文件：</p><ul>{items}</ul>")

    out.append("<h2>复核队列</h2>")
    out.append(
        '<table class="queue"><tr>' + "".join(f"<th>{_e(h)}</th>" for h in QUEUE_HEADERS) + "</tr>"
    )
    for pos, a in enumerate(ordered, 1):
        # The queue names the problems by number; their words are in the applicant's section.
        sevs = [str(f.severity) for f in a.findings]
        tally = "、".join(f"{severity_word(k)} {sevs.count(k)}" for k in ("error", "warning", "info") if k in sevs)
        cell = f'<a href="#a{pos}">{len(a.findings)} 个问题</a>（{_e(tally)}）' if a.findings else "—"
        out.append(
            f'<tr class="q" data-decision="{_e(a.decision)}"><td class="num">{pos}</td>'
            f'<td><a href="#a{pos}">{_e(a.key)}</a></td>'
            f"<td>{_e(format_value(a.identity.get('name')))}</td>"
            f'<td class="id">{_e(format_value(a.identity.get("id_number")))}</td>'
            f"<td>{_badge(a.decision)}</td>"
            f'<td class="num">{a.risk:.3f}</td><td class="num">{a.confidence:.3f}</td>'
            f"<td>{cell}</td></tr>"
        )
    out.append("</table>")
    out.append(
        '<h2>申请人材料</h2><div class="tools"><button onclick="setAll(true)">全部展开</button>'
        '<button onclick="setAll(false)">全部收起</button></div>'
    )
    for pos, a in enumerate(ordered, 1):
        out.append(_applicant_html(pos, a, thumbs, photos.get(a.key), anchors, is_org))
    out.extend(views)
    out.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(out)


# ---------------------------------------------------------------- all outputs


def _prune_evidence(evidence_dir: Path, keep: set[Path]) -> None:
    """Drop crops of an earlier run that this run did not write, so the folder matches
    report.json; only .jpg and our own temp files, only under evidence/."""
    if not evidence_dir.is_dir():
        return
    keep_resolved = {p.resolve() for p in keep}
    for p in sorted(evidence_dir.rglob("*"), reverse=True):
        try:
            if p.is_file() and (p.suffix == ".jpg" or p.name.endswith(".tmp")):
                if p.resolve() not in keep_resolved:
                    p.unlink()
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
        except OSError as exc:
            log.warning("cannot prune %s: %s", p, exc)


def write_reports(report: Report, out_dir: Path, workers: int | None = None) -> dict[str, Path]:
    """Write evidence/, queue.csv, queue.xlsx, report.html, then report.json.

    Findings' `evidence` lists are filled on copies; the caller's Report is unchanged.
    Returns {"json", "csv", "xlsx", "html", "evidence", "pages"} -> path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(out_dir)
    index = _Index(report)
    dirs = _safe_dirs(a.key for a in report.applicants)
    workers = workers or min(8, os.cpu_count() or 1)

    def render(a: ApplicantResult) -> _Images:
        pdoc = _photo_doc(a)
        return _render_images(
            a.findings,
            a.pages,
            index,
            out_dir,
            dirs[a.key],
            a.photo.file if a.photo else None,
            pdoc,
        )

    with timing.stage("report images"), ThreadPoolExecutor(max_workers=workers) as pool:
        rendered = list(pool.map(render, report.applicants))
        batch_imgs = _render_images(report.findings, [], index, out_dir, BATCH_DIR)

    thumbs: dict[str, str] = {}
    photos: dict[str, str] = {}
    page_images: dict[str, str] = {}
    written: set[Path] = set(batch_imgs.written)
    applicants: list[ApplicantResult] = []
    for a, imgs in zip(report.applicants, rendered, strict=True):
        thumbs.update(imgs.thumbs)
        page_images.update(imgs.pages)
        written.update(imgs.written)
        if imgs.photo:
            photos[a.key] = imgs.photo
        applicants.append(a.model_copy(update={"findings": _with_evidence(a.findings, imgs)}))
    final = report.model_copy(
        update={"applicants": applicants, "findings": _with_evidence(report.findings, batch_imgs)}
    )

    paths = {
        "json": out_dir / "report.json",
        "csv": out_dir / "queue.csv",
        "xlsx": out_dir / "queue.xlsx",
        "html": out_dir / "report.html",
        "evidence": out_dir / "evidence",
        "pages": out_dir / "pages",
    }
    with timing.stage("report files"):
        atomic_write(paths["csv"], queue_csv_bytes(final))
        atomic_write(paths["xlsx"], queue_xlsx_bytes(final))
        atomic_write(paths["html"], report_html(final, thumbs, photos, page_images).encode("utf-8"))
        data = json.dumps(report_to_dict(final, photos, page_images), ensure_ascii=False, indent=2)
        atomic_write(paths["json"], (data + "\n").encode("utf-8"))
        _prune_evidence(paths["evidence"], written)
        _prune_evidence(out_dir / "pages", written)
    return paths


def _remove_stale_temps(out_dir: Path) -> None:
    """Temp files of a run killed mid-write (only ours: ".<output name>.*.tmp")."""
    for name in ("report.json", "queue.csv", "queue.xlsx", "report.html"):
        for p in out_dir.glob(f".{name}.*.tmp"):
            try:
                p.unlink()
            except OSError:
                pass


def _with_evidence(findings: Sequence[Finding], imgs: _Images) -> list[Finding]:
    out = []
    for i, f in enumerate(findings):
        extra = [p for p in imgs.evidence.get(i, []) if p not in f.evidence]
        out.append(f.model_copy(update={"evidence": list(f.evidence) + extra}) if extra else f)
    return out
