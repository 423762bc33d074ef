"""A run's outputs as the web UI reads them: report.json and its images, through a Store.

Everything is read through `pipeline.storage.open_store`, so a local folder and an
``s3://`` prefix look the same here. The report is kept in memory and read again when
it is older than `reload_s` and has changed (a re-run of the batch). Only files that
the report itself points at (page images, evidence crops) can be served: that set is
the allow-list of the file route, so no crafted path reaches anything else.

The view helpers turn the report's dicts into what the templates show: reasons in
Chinese words, overlay boxes in percent of the page, masked ID and phone numbers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.comparison import (
    COMPARE_FIELDS,
    ORG_COMPARE_FIELDS,
    SECRET_FIELDS,
    Secrets,
    comparison,
    mask_value,
)
from pipeline.messages import (
    describe,
    doc_type_name,
    field_name,
    format_value,
    mask_id,
    mask_ids_in,
    ref_label,
    severity_word,
    split_ids,
)
from pipeline.report import DECISION_RANK, LOW_FIELD_CONFIDENCE, SEVERITY_RANK
from pipeline.storage import StorageError, Store
from pipeline.types import Finding

log = logging.getLogger(__name__)

REPORT_KEY = "report.json"
SERVABLE_PREFIXES = ("evidence/", "pages/")
MAX_REASONS = 3
_KEY_OK = re.compile(r"^[^\x00-\x1f\\]+$")


def safe_key(key: str) -> str | None:
    """`key` when it is a plain relative path under evidence/ or pages/, else None.

    The allow-list already stops anything the report does not name; this refuses the
    obvious attacks (``..``, absolute paths, backslashes, control characters) before any
    storage backend sees them."""
    if not key or not _KEY_OK.match(key) or key.startswith("/") or ":" in key.split("/", 1)[0]:
        return None
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    if not key.startswith(SERVABLE_PREFIXES):
        return None
    return key


def finding_model(d: dict[str, Any]) -> Finding:
    """A report finding back as the pipeline's model, for `describe`."""
    return Finding.model_validate({k: d.get(k) for k in Finding.model_fields if d.get(k) is not None})


def reason_text(d: dict[str, Any]) -> str:
    try:
        return describe(finding_model(d))
    except ValueError:
        return str(d.get("message") or d.get("code") or "")


def by_severity(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: SEVERITY_RANK.get(str(f.get("severity")), 3))


def queue_sort_key(a: dict[str, Any]) -> tuple[int, float, str]:
    """The order of queue.csv (pipeline.report.queue_order), on report dicts."""
    return (DECISION_RANK.get(a.get("decision"), 3), -round(float(a.get("risk") or 0.0), 3),
            str(a.get("key")))


def parse_ref(ref: str) -> tuple[str, int]:
    file, sep, page = ref.rpartition("#")
    if not sep:
        return ref, 1
    try:
        return file, max(int(page), 1)
    except ValueError:
        return ref, 1


@dataclass
class Run:
    """One loaded report: applicants in queue order, and the files it points at."""

    report: dict[str, Any]
    digest: str
    applicants: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: frozenset[str] = frozenset()

    @classmethod
    def from_report(cls, report: dict[str, Any], digest: str) -> Run:
        apps = sorted(report.get("applicants") or [], key=queue_sort_key)
        files: set[str] = set()
        for a in apps:
            for p in a.get("pages") or []:
                if p.get("image"):
                    files.add(p["image"])
            photo = a.get("photo") or {}
            if photo.get("evidence"):
                files.add(photo["evidence"])
            for f in a.get("findings") or []:
                files.update(f.get("evidence") or [])
        for f in report.get("findings") or []:
            files.update(f.get("evidence") or [])
        allowed = frozenset(k for k in files if isinstance(k, str) and safe_key(k))
        return cls(report=report, digest=digest, applicants=apps,
                   by_key={a["key"]: a for a in apps}, files=allowed)

    @property
    def is_org(self) -> bool:
        return str(self.report.get("profile", "")).endswith("org-filing")


class ReportUnreadable(ValueError):
    """report.json is not a report the UI can show (bad JSON, wrong shape)."""


def load_run(data: bytes, digest: str) -> Run:
    """A Run from report.json bytes, checked by building every view the pages build,
    so a malformed report fails here (and is not swapped in) rather than in a route."""
    try:
        report = json.loads(data)
        if not isinstance(report, dict):
            raise TypeError("the top level is not an object")
        apps = report.get("applicants") or []
        if not isinstance(apps, list) or not all(isinstance(a, dict) and isinstance(a.get("key"), str)
                                                  for a in apps):
            raise TypeError("applicants is not a list of objects with a key")
        if not isinstance(report.get("findings") or [], list):
            raise TypeError("findings is not a list")
        run = Run.from_report(report, digest)
        if len(run.by_key) != len(apps):
            raise ValueError("two applicants share a key")
        codes_of(run.applicants)
        for a in run.applicants:
            top_reasons(a)
            matches(a, "", "", "x", "", {})
            findings = finding_views(a, run)
            page_views(a, [f["raw"] for f in findings])
            doc_views(a, Secrets())
            comparison(a, run.is_org, Secrets())
            mask_id(str((a.get("identity") or {}).get("id_number") or ""))
            for k in ("risk", "confidence"):
                if not isinstance(a.get(k), int | float | None) or isinstance(a.get(k), bool):
                    raise TypeError(f"{k} of {a['key']} is not a number")
    except Exception as exc:  # any defect of the file's content: report it, never raise it
        raise ReportUnreadable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    return run


class RunSource:
    """The report of one out dir/URL, re-read when it changes (at most every reload_s).

    A changed report is checked before it replaces the one being served: a malformed
    one (a run still writing, a hand edit) leaves the last good report in place and
    sets `problem`, which the pages show as a banner. Before any good report was read
    the pages get an empty run and the same banner; /login keeps working."""

    def __init__(self, store: Store, reload_s: float = 30.0) -> None:
        self.store = store
        self.reload_s = reload_s
        self._lock = threading.Lock()
        self._run: Run | None = None
        self._bad_digest: str | None = None
        self._checked = 0.0
        self.problem: str | None = None

    def get(self) -> Run:
        with self._lock:
            now = time.monotonic()
            if (self._run is None and self._bad_digest is None) or now - self._checked > self.reload_s:
                self._checked = now
                self._reload()
            return self._run or Run(report={}, digest="")

    def _reload(self) -> None:
        try:
            data = self.store.read_bytes(REPORT_KEY)
        except (StorageError, OSError) as exc:
            if self._run is None and self._bad_digest is None:
                raise
            self.problem = f"report.json 无法读取（{exc}），页面显示的是上一份可读的报告"
            return
        digest = hashlib.sha256(data).hexdigest()
        if (self._run is not None and digest == self._run.digest) or digest == self._bad_digest:
            if self._run is not None and digest == self._run.digest:
                self.problem = None
            return
        try:
            self._run = load_run(data, digest)
            self._bad_digest = None
            self.problem = None
        except ReportUnreadable as exc:
            self._bad_digest = digest
            self.problem = (f"report.json 已更新但无法读取（{exc}），页面仍显示上一份可读的报告"
                            if self._run is not None else
                            f"report.json 无法读取（{exc}），暂无可显示的结果")
            log.warning("report.json of %s is unreadable, keeping the last good one: %s",
                        self.store.url, exc)

    def read_file(self, run: Run, key: str) -> bytes | None:
        """The bytes of a page image or evidence crop the report names, else None.
        A local store is read without following any symbolic link (a link inside the
        out folder could point at the reviews database or anything else)."""
        k = safe_key(key)
        if k is None or k not in run.files:
            return None
        read = getattr(self.store, "read_bytes_nofollow", None) or self.store.read_bytes
        try:
            return read(k)
        except (StorageError, OSError):
            return None


# ---------------------------------------------------------------- queue


def top_reasons(a: dict[str, Any], n: int = MAX_REASONS) -> tuple[list[str], int]:
    """The first `n` reasons in words (errors first, duplicates dropped) and how many more."""
    texts = list(dict.fromkeys(mask_ids_in(reason_text(f)) for f in by_severity(a.get("findings") or [])))
    return texts[:n], max(len(texts) - n, 0)


def codes_of(apps: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({f["code"] for a in apps for f in a.get("findings") or [] if f.get("code")})


def matches(a: dict[str, Any], decision: str, code: str, q: str, status: str,
            reviewed: dict[str, Any]) -> bool:
    """The queue filters: pipeline decision, finding code, a search in the name, the
    folder and the masked ID number (as shown), and
    whether a reviewer has decided yet (status: pending, done, or a review decision)."""
    if decision and a.get("decision") != decision:
        return False
    if code and not any(f.get("code") == code for f in a.get("findings") or []):
        return False
    if status:
        r = reviewed.get(a["key"])
        if status == "pending" and r is not None:
            return False
        if status == "done" and r is None:
            return False
        if status not in ("pending", "done") and (r is None or r.decision != status):
            return False
    if q:
        q = q.strip().upper()
        ident = a.get("identity") or {}
        # Only what the queue shows: a full ID number must not be testable here, or
        # guessing the hidden middle digits would reveal it without a logged reveal.
        hay = [str(a.get("key", "")), str(ident.get("name") or ""),
               mask_id(str(ident.get("id_number") or ""))]
        if not any(q in h.upper() for h in hay):
            return False
    return True


# ---------------------------------------------------------------- applicant page


@dataclass
class Box:
    kind: str  # field | seal | photo | page
    left: float
    top: float
    width: float
    height: float
    label: str
    findings: list[int] = field(default_factory=list)
    low: bool = False

    @property
    def style(self) -> str:
        return (f"left:{self.left:.3f}%;top:{self.top:.3f}%;"
                f"width:{self.width:.3f}%;height:{self.height:.3f}%")


@dataclass
class PageView:
    ref: str
    file: str
    number: int
    width: int
    height: int
    image: str | None
    boxes: list[Box] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)  # findings about the whole page
    docs: list[str] = field(default_factory=list)  # document types on the page, in words


def _pct_box(bbox: Sequence[float] | None, w: float, h: float) -> tuple[float, float, float, float] | None:
    if not bbox or len(bbox) != 4 or w <= 0 or h <= 0:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        return None
    x0, x1 = sorted((max(0.0, min(x0, w)), max(0.0, min(x1, w))))
    y0, y1 = sorted((max(0.0, min(y0, h)), max(0.0, min(y1, h))))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return 100 * x0 / w, 100 * y0 / h, 100 * (x1 - x0) / w, 100 * (y1 - y0) / h


def _finding_targets(f: dict[str, Any]) -> tuple[str, str | None]:
    """What a finding points at on its pages: a field, the seals, the photo, or the page."""
    code = str(f.get("code", ""))
    if code.startswith("SEAL_"):
        return "seal", None
    if code.startswith("PHOTO_") or code == "DUPLICATE_PHOTO_IN_BATCH":
        return "photo", None
    subject = f.get("subject")
    if code == "LEVEL_INSUFFICIENT":
        return "field", "skill_level"
    if code == "CERT_NUMBER_INVALID" or code == "DUPLICATE_CERT_IN_BATCH":
        return "field", subject or "certificate_number"
    if code in ("ID_NUMBER_INVALID", "ID_NUMBER_MISMATCH", "DUPLICATE_ID_IN_BATCH"):
        return "field", "id_number"
    if code == "ID_CARD_EXPIRED":
        return "field", "valid_to"
    if subject and subject in _FIELD_KEYS:
        return "field", subject
    return "page", None


_FIELD_KEYS = frozenset({k for k, _ in COMPARE_FIELDS + ORG_COMPARE_FIELDS} | {
    "valid_from", "valid_to", "issuing_authority", "school", "major", "study_start", "study_end",
    "issue_date", "certificate_number", "job_type", "skill_level", "issuer", "specialty",
    "title_name", "title_level", "card_number", "role", "department", "position", "start_date",
    "work_summary", "fill_date", "established_date",
})


def page_views(a: dict[str, Any], findings: list[dict[str, Any]]) -> list[PageView]:
    """Every page of the applicant with its overlay boxes; each box lists the findings
    (by index into `findings`) it is evidence of, so clicking a finding lights it up."""
    pages: dict[str, PageView] = {}
    for p in a.get("pages") or []:
        ref = f"{p['file']}#{p['page']}"
        pages[ref] = PageView(ref=ref, file=p["file"], number=int(p["page"]),
                              width=int(p.get("width") or 0), height=int(p.get("height") or 0),
                              image=p.get("image"))
    photo_file = (a.get("photo") or {}).get("file")

    # Which findings point where.
    wants: dict[str, list[tuple[int, str, str | None]]] = {}
    for i, f in enumerate(findings):
        kind, key = _finding_targets(f)
        for r in f.get("documents") or []:
            file, page = parse_ref(r)
            wants.setdefault(f"{file}#{page}", []).append((i, kind, key))

    for d in a.get("documents") or []:
        for pno in d.get("pages") or [1]:
            pv = pages.get(f"{d['file']}#{pno}")
            if pv is not None:
                pv.docs.append(doc_type_name(d.get("type")))
        for key, fv in (d.get("fields") or {}).items():
            pv = pages.get(f"{d['file']}#{fv.get('page') or (d.get('pages') or [1])[0]}")
            if pv is None:
                continue
            pct = _pct_box(fv.get("bbox"), pv.width, pv.height)
            if pct is None:
                continue
            conf = float(fv.get("confidence") or 0.0)
            label = f"{field_name(key)} {conf:.2f}"
            hits = [i for i, kind, k in wants.get(pv.ref, []) if kind == "field" and k == key]
            pv.boxes.append(Box("field", *pct, label=label, findings=hits,
                                low=conf < LOW_FIELD_CONFIDENCE))
        for s in d.get("seals") or []:
            pv = pages.get(f"{d['file']}#{s.get('page') or 1}")
            if pv is None:
                continue
            pct = _pct_box(s.get("bbox"), pv.width, pv.height)
            if pct is None:
                continue
            hits = [i for i, kind, _ in wants.get(pv.ref, []) if kind == "seal"]
            pv.boxes.append(Box("seal", *pct, label=f"公章 {float(s.get('confidence') or 0):.2f}",
                                findings=hits))
        if d.get("type") == "photo" and d.get("file") == photo_file:
            pv = pages.get(f"{d['file']}#{(d.get('pages') or [1])[0]}")
            # report.json keeps no region per document: a photo that is its own file's
            # only document fills that page; one cut out of a larger page is not boxed.
            if pv is not None and sum(1 for x in a["documents"] if x["file"] == d["file"]) == 1:
                hits = [i for i, kind, _ in wants.get(pv.ref, []) if kind == "photo"]
                pv.boxes.append(Box("photo", 0.5, 0.5, 99.0, 99.0, label="证件照", findings=hits))

    # A finding with nothing to box on a page it names lights the whole page.
    for ref, pv in pages.items():
        boxed = {i for b in pv.boxes for i in b.findings}
        pv.findings = [i for i, _, _ in wants.get(ref, []) if i not in boxed]
    return list(pages.values())


@dataclass
class FieldRow:
    key: str
    name: str
    value: str
    confidence: float
    low: bool
    secret: int | None  # index into the reveal list, when masked
    page: int | None


@dataclass
class DocView:
    file: str
    label: str
    type_name: str
    type_code: str
    type_confidence: float
    pages: list[int]
    ref: str
    fields: list[FieldRow]
    seals: int


def doc_views(a: dict[str, Any], secrets: Secrets) -> list[DocView]:
    out = []
    for d in a.get("documents") or []:
        rows = []
        for key, fv in (d.get("fields") or {}).items():
            text = format_value(fv.get("value"), key)
            conf = float(fv.get("confidence") or 0.0)
            secret = None
            if key in SECRET_FIELDS and text:
                secret = secrets.add(text)
                text = mask_value(key, fv.get("value"))
            if key == "work_summary" and len(text) > 80:
                text = text[:79] + f"…（共{len(format_value(fv.get('value'), key))}字）"
            rows.append(FieldRow(key=key, name=field_name(key), value=text, confidence=conf,
                                 low=conf < LOW_FIELD_CONFIDENCE, secret=secret, page=fv.get("page")))
        pages = list(d.get("pages") or [1])
        out.append(DocView(file=d["file"], label=ref_label(d["file"]), type_name=doc_type_name(d.get("type")),
                           type_code=str(d.get("type")), type_confidence=float(d.get("type_confidence") or 0),
                           pages=pages, ref=f"{d['file']}#{pages[0]}", fields=rows,
                           seals=len(d.get("seals") or [])))
    return out


def finding_views(a: dict[str, Any], run: Run, secrets: Secrets | None = None) -> list[dict[str, Any]]:
    """The applicant's findings, errors first, in words, with their page references
    (pages of another applicant link to that applicant). A finding's words quote ID
    numbers (expected and found); `parts` cuts them out masked, each with its index in
    `secrets` for the logged reveal (no `secrets`: masked, not revealable)."""
    own = {f"{p['file']}#{p['page']}" for p in a.get("pages") or []}
    out = []
    for f in by_severity(a.get("findings") or []):
        refs = []
        for r in f.get("documents") or []:
            file, page = parse_ref(r)
            ref = f"{file}#{page}"
            other = None
            if ref not in own:
                owner = file.split("/", 1)[0]
                other = owner if owner in run.by_key and owner != a["key"] else None
            refs.append({"ref": ref, "label": ref_label(r), "own": ref in own, "other": other})
        evidence = [e for e in f.get("evidence") or [] if e in run.files]
        text = reason_text(f)
        parts = [{"text": mask_id(piece) if is_id else piece,
                  "secret": secrets.add(piece) if is_id and secrets is not None else None}
                 for piece, is_id in split_ids(text)]
        out.append({"code": f.get("code"), "severity": f.get("severity"),
                    "severity_word": severity_word(f.get("severity")), "text": mask_ids_in(text),
                    "parts": parts,
                    "message": f.get("message"), "confidence": f.get("confidence"),
                    "refs": refs, "evidence": evidence, "raw": f})
    return out
