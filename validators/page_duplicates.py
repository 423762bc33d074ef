"""DUPLICATE_FILE_IN_BATCH: the same page image (a certificate, an ID copy, a work
certificate) submitted by two applicants, also when re-saved, re-compressed or resized.

Comparing every page with every other is too slow for thousands of applicants and too
loose (pages of one template look alike), so candidates come from the text first: two
pages are compared only when they share an anchor, a run of 8+ digits or letters read on
them (ID numbers, certificate numbers: what makes a page somebody's), or, for a page
without one, the same normalised text. A candidate is confirmed when the two carry the same numbers (MIN_ANCHOR_SHARE), nearly the same text
(MIN_TEXT_SIMILARITY) and the same picture: perceptual hash within MAX_DISTANCE bits and
correlation of 128x128 grey copies of the document's region >= MIN_CORRELATION. Work
certificates of one employer share its phone number and template and differ only in the
person's name, ID number and dates: they fail on the numbers and the text. (A first
version without the number rule flagged 5 of 14 such pairs in the forensics bench.)

Organisation documents are left out (two colleagues may honestly upload their
employer's licence or a joint letter), as are photos (DUPLICATE_PHOTO_IN_BATCH).

The hash and grey copy of every region are made once by the reading stage while the
page is in memory (pipeline.page_facts, stored in `Page.facts.regions`): this check
only reads them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import imagehash
import numpy as np

from pipeline.context import ApplicantContext
from pipeline.messages import DOC_TYPE_NAMES
from pipeline.page_facts import REGION_THUMB, has_image, thumb_of
from pipeline.types import DocType, Document, Finding, RegionLook, Severity
from validators.common import distance

PERSONAL_TYPES = {
    DocType.ID_CARD, DocType.DIPLOMA, DocType.DEGREE, DocType.SKILL_CERTIFICATE,
    DocType.TITLE_CERTIFICATE, DocType.EXAMINER_CARD, DocType.WORK_CERTIFICATE,
    DocType.RECOMMENDATION_FORM,
}
MAX_DISTANCE = 12  # pHash bits: re-saved copies measure 0-4; a phone re-photo more
MIN_CORRELATION = 0.85
MIN_TEXT_SIMILARITY = 0.93  # same-template letters of one employer measured up to ~0.9
MIN_ANCHOR_SHARE = 0.8  # of the numbers on either page, the share both carry
MIN_TEXT_CHARS = 20
_ANCHOR = re.compile(r"[0-9A-Z]{8,}")


class _Entry:
    """One document region of one page of one applicant."""

    def __init__(self, key: str, doc: Document, page: int, bbox: tuple[float, float, float, float],
                 text: str, look: RegionLook | None) -> None:
        self.key, self.doc, self.page, self.bbox = key, doc, page, bbox
        self.text, self.look = text, look
        self._sig: tuple[imagehash.ImageHash, np.ndarray] | None | bool = False

    @property
    def ref(self) -> str:
        return f"{self.doc.file}#{self.page}"

    def signature(self) -> tuple[imagehash.ImageHash, np.ndarray] | None:
        """(pHash, normalised 128x128 grey) of the region, from the facts the reading
        stage stored (pipeline.page_facts.region_look); unpacked once, on demand."""
        if self._sig is False:
            self._sig = None if self.look is None else (
                imagehash.hex_to_hash(self.look.phash), thumb_of(self.look.thumb, REGION_THUMB))
        return self._sig  # type: ignore[return-value]


def _entries(ctx: ApplicantContext) -> list[_Entry]:
    out = []
    for doc in ctx.documents:
        if doc.type not in PERSONAL_TYPES:
            continue
        for t in doc.texts:
            text = re.sub(r"\s+", "", "".join(line.text for line in t.lines)).upper()
            page = ctx.page(doc.file, t.page)
            if len(text) < MIN_TEXT_CHARS or page is None:
                continue
            look = page.facts.region(t.region.bbox) if page.facts is not None and has_image(page) else None
            out.append(_Entry(ctx.key, doc, t.page, t.region.bbox, text, look))
    return out


def _text_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) / max(len(a), len(b)) < MIN_TEXT_SIMILARITY:
        return 0.0
    return 1 - distance(a, b) / max(len(a), len(b))


def _same_page(a: _Entry, b: _Entry) -> tuple[bool, float]:
    """(duplicate?, confidence) of two candidate regions."""
    na, nb = set(_ANCHOR.findall(a.text)), set(_ANCHOR.findall(b.text))
    if (na or nb) and len(na & nb) < MIN_ANCHOR_SHARE * len(na | nb):
        return False, 0.0  # one employer's phone number alike, another person's ID number
    sim = _text_similarity(a.text, b.text)
    if sim < MIN_TEXT_SIMILARITY:
        return False, 0.0
    sa, sb = a.signature(), b.signature()
    if sa is None or sb is None:
        return False, 0.0
    bits = int(sa[0] - sb[0])
    corr = float((sa[1] * sb[1]).sum())
    if bits > MAX_DISTANCE or corr < MIN_CORRELATION:
        return False, 0.0
    return True, round(min(0.95, 0.5 + 0.25 * sim + 0.25 * corr - 0.01 * bits), 3)


def check_batch(contexts: list[ApplicantContext]) -> dict[str, list[Finding]]:
    entries = [e for c in contexts for e in _entries(c)]
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        anchors = set(_ANCHOR.findall(e.text)) or {"text:" + e.text}
        for a in anchors:
            buckets[a].append(i)
    pairs: set[tuple[int, int]] = set()
    for idx in buckets.values():
        if len(idx) > 50:  # a number printed on everybody's page (a template's form number)
            continue
        for m, i in enumerate(idx):
            for j in idx[m + 1:]:
                if entries[i].key != entries[j].key:
                    pairs.add((min(i, j), max(i, j)))
    out: dict[str, list[Finding]] = {}
    reported: set[tuple[str, str]] = set()
    for i, j in sorted(pairs):
        a, b = entries[i], entries[j]
        if (a.ref, b.ref) in reported:
            continue
        dup, conf = _same_page(a, b)
        if not dup:
            continue
        reported.add((a.ref, b.ref))
        for me, other in ((a, b), (b, a)):
            name = DOC_TYPE_NAMES.get(me.doc.type.value, me.doc.type.value)
            out.setdefault(me.key, []).append(Finding(
                code="DUPLICATE_FILE_IN_BATCH", severity=Severity.WARNING, confidence=conf,
                subject=me.doc.type.value,
                message=f"{name}（{Path(me.doc.file).name} 第{me.page}页）与申请人 {other.key} 提交的页面相同",
                documents=[me.ref, other.ref], found=other.key,
            ))
    return out
