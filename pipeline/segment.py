"""Split a page into the regions that each hold one document.

Two packagings of the contract put several documents on one page: a "long image"
(documents stacked vertically, separated by background bands) and an A4 photocopy with
both sides of an ID card. Everything else is one region: the whole page.

Ink gaps do not always exist: a phone app stitches photos of documents lying on a desk, a
copier puts two landscape certificates on one A4 sheet. So, once a region is read, its
OCR lines are split by content too (`split_by_content`): where the text above a cut is
one document and the text below another, each with its own title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.classify import CUES, MIN_SCORE, line_rows, text_scores
from pipeline.types import DocType, OcrLine, Region

LONG_IMAGE_ASPECT = 1.8  # height / width above which a page is a stacked long image
CARD_ASPECT = (1.40, 1.80)  # ID-1 card is 85.6 x 54 mm = 1.585
CARD_AREA = (0.03, 0.40)  # share of the page a card copy takes


def _ink_rows(image: np.ndarray) -> np.ndarray:
    """Per row: does it hold anything but background? Colour-aware, so a tinted
    certificate background counts as content and is not taken for a gap."""
    pix = image.reshape(-1, image.shape[-1]) if image.ndim == 3 else image.reshape(-1, 1)
    bg = np.percentile(pix, 90, axis=0)
    diff = np.abs(image.astype(np.int16) - bg.astype(np.int16))
    if diff.ndim == 3:
        diff = diff.max(axis=2)
    # A row is blank when almost no pixel differs from the background.
    return (diff > 24).mean(axis=1) > 0.002


def _gaps(ink: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """Runs of blank rows at least `min_gap` tall, as (start, end) with end exclusive."""
    gaps = []
    start = None
    for y, has_ink in enumerate(ink):
        if not has_ink and start is None:
            start = y
        elif has_ink and start is not None:
            if y - start >= min_gap:
                gaps.append((start, y))
            start = None
    return gaps


def split_long_image(image: np.ndarray, min_gap_frac: float = 0.02, min_part_frac: float = 0.45) -> list[tuple[int, int]]:
    """Vertical spans (y0, y1) of the documents of a long image, top to bottom.

    Splits recursively at the tallest blank band whose two sides are both at least
    `min_part_frac` of the width tall (a landscape certificate is ~0.7 of its width):
    paragraph gaps inside a letter leave a sliver on one side and are never chosen,
    while the band between two stacked documents is.
    """
    h, w = image.shape[:2]
    ink = _ink_rows(image)
    rows = np.nonzero(ink)[0]
    if rows.size == 0:
        return []
    gaps = _gaps(ink, max(8, int(w * min_gap_frac)))
    min_part = int(w * min_part_frac)

    def content(y0: int, y1: int) -> tuple[int, int] | None:
        inside = rows[(rows >= y0) & (rows < y1)]
        return (int(inside[0]), int(inside[-1]) + 1) if inside.size else None

    def split(y0: int, y1: int) -> list[tuple[int, int]]:
        candidates = []
        for g0, g1 in gaps:
            if g0 <= y0 or g1 >= y1:
                continue
            top, bottom = content(y0, g0), content(g1, y1)
            if top and bottom and top[1] - top[0] >= min_part and bottom[1] - bottom[0] >= min_part:
                candidates.append((g1 - g0, g0, g1))
        if not candidates:
            span = content(y0, y1)
            return [span] if span else []
        _, g0, g1 = max(candidates)
        return split(y0, g0) + split(g1, y1)

    return split(0, h)


def find_cards(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of the two sides of an ID card photocopied on one page, top to bottom.

    A card copy differs from the paper around it by its guilloche texture and a slightly
    darker tone even where the copier washed it out, so content is taken as "darker or
    more textured than the paper"; a card is a filled, card-shaped blob of it. Only a
    page with exactly two such blobs of similar size, and little else, qualifies.
    """
    h, w = image.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    grey = (cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small).astype(np.float32)
    mean = cv2.blur(grey, (9, 9))
    sd = np.sqrt(np.maximum(cv2.blur(grey * grey, (9, 9)) - mean * mean, 0))
    paper_mean, paper_sd = float(np.median(mean)), float(np.median(sd))
    mask = ((mean < paper_mean - 3) | (sd > paper_sd + 2.5)).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    page_area = small.shape[0] * small.shape[1]
    content = max(1, int(np.count_nonzero(mask)))
    cards, covered = [], 0
    for c in contours:
        x, y, cw, ch = cv2.boundingRect(c)
        area = cw * ch
        if not (CARD_AREA[0] <= area / page_area <= CARD_AREA[1]):
            continue
        aspect = cw / max(1, ch)
        fill = cv2.contourArea(c) / max(area, 1)
        if CARD_ASPECT[0] <= aspect <= CARD_ASPECT[1] and fill > 0.75:
            cards.append((int(x / scale), int(y / scale), int((x + cw) / scale), int((y + ch) / scale)))
            covered += int(np.count_nonzero(mask[y:y + ch, x:x + cw]))
    if len(cards) != 2 or covered < 0.8 * content:
        return []
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in cards]
    if max(areas) > 1.6 * min(areas):
        return []
    cards.sort(key=lambda b: (b[1], b[0]))
    if cards[0][3] > cards[1][1]:  # side by side or overlapping: not a stacked copy
        return []
    return cards


def segment_page(image: np.ndarray) -> list[Region]:
    """Regions of one upright page, top to bottom; the whole page when nothing splits."""
    h, w = image.shape[:2]
    whole = [Region(bbox=(0.0, 0.0, float(w), float(h)), kind="page")]
    if h / max(w, 1) >= LONG_IMAGE_ASPECT:
        spans = split_long_image(image)
        if len(spans) >= 2:
            return [
                Region(bbox=(0.0, float(y0), float(w), float(y1)), kind="long_image_part")
                for y0, y1 in spans
            ]
        return whole
    cards = find_cards(image)
    if len(cards) >= 2:
        pad = 6
        return [
            Region(
                bbox=(float(max(0, x0 - pad)), float(max(0, y0 - pad)), float(min(w, x1 + pad)), float(min(h, y1 + pad))),
                kind="id_side",
            )
            for x0, y0, x1, y1 in cards[:2]
        ]
    return whole


# ---------------------------------------------------------------- split by content

TITLE_HEIGHT = 1.25  # a title line is at least this many times the median line height
MIN_PART_LINES = 3  # each document of a split holds at least this many OCR lines
MAX_CONTENT_PARTS = 3


def _rows(lines: Sequence[OcrLine]) -> list[tuple[float, float, float, str]]:
    """Lines joined into rows (overlapping vertically), left to right, as (height,
    centre x, width, text): a letter-spaced title such as 毕 业 证 书 may come back as several
    boxes. The height is the tallest line's, not the span of lines at staggered heights."""
    out = []
    for row in line_rows(lines):
        row.sort(key=lambda ln: ln.bbox[0])
        x0, x1 = min(ln.bbox[0] for ln in row), max(ln.bbox[2] for ln in row)
        out.append((max(ln.bbox[3] - ln.bbox[1] for ln in row), (x0 + x1) / 2, x1 - x0,
                    "".join(ln.text for ln in row).replace(" ", "")))
    return out


TITLE_CHARS = 30  # a title is a short line
TITLE_WIDTH = 0.7  # a title is narrower than this share of the text's width
CENTRED = 0.08  # a centred title: its middle this near (share of the width) to the text's middle
TITLE_ROWS = 5  # a document's title is among its first rows (after a 附件 number, a code)
# A title is a name, not a sentence: a row with a comma or a full stop is prose (a
# paragraph's short last line that happens to sit near the middle).
PROSE_MARK = re.compile(r"[,，。;；]")


def _named(lines: Sequence[OcrLine], doc_type: DocType, tall: float | None = None) -> bool:
    """Does a row of this part name `doc_type` (one of its cues of weight >= 3)? With
    `tall`: a title of the part's own, i.e. a short row among its first ones, taller
    than the body text or centred on the part's text (a paragraph's line or a form's
    table row spans the width; a label sits at the left of its cell)."""
    naming = [re.compile(c.pattern) for c in CUES.get(doc_type, ()) if c.weight >= 3]
    rows = _rows(lines)
    if tall is not None:
        left, right = min(ln.bbox[0] for ln in lines), max(ln.bbox[2] for ln in lines)
        mid, tol = (left + right) / 2, CENTRED * (right - left)
        rows = [r for r in rows[:TITLE_ROWS]
                if len(r[3]) <= TITLE_CHARS and r[2] <= TITLE_WIDTH * (right - left)
                and not PROSE_MARK.search(r[3]) and (r[0] >= tall or abs(r[1] - mid) <= tol)]
    return any(rx.search(r[3]) for r in rows for rx in naming)


def _best(lines: Sequence[OcrLine]) -> tuple[DocType, float]:
    height = max(ln.bbox[3] for ln in lines) - min(ln.bbox[1] for ln in lines)
    scores, _ = text_scores(lines, height)
    best = max(scores.items(), key=lambda kv: (kv[1], kv[0].value), default=(DocType.OTHER, 0.0))
    return best if best[1] >= MIN_SCORE else (DocType.OTHER, best[1])


def split_by_content(lines: Sequence[OcrLine], y0: float, y1: float) -> list[tuple[float, float]]:
    """Vertical spans of the documents whose OCR lines (page pixels) lie in [y0, y1),
    top to bottom; [(y0, y1)] when the text is one document.

    A cut is taken only between two parts that the classifier gives two different types,
    each named by one of its type's naming cues, the lower one by a title of its own (a
    line among its first ones, taller than the body text). Body text that mentions another document
    ("持有职业资格证书") is body-sized and never makes a cut; a form's sections share the
    form's type.
    """
    if len(lines) < 2 * MIN_PART_LINES:
        return [(y0, y1)]
    heights = sorted(ln.bbox[3] - ln.bbox[1] for ln in lines)
    tall = TITLE_HEIGHT * heights[len(heights) // 2]
    ordered = sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    best_cut: tuple[tuple[float, float], float] | None = None  # ((gap, score), cut y)
    reach = ordered[0].bbox[3]
    for i in range(1, len(ordered)):
        nxt = ordered[i]
        if nxt.bbox[1] >= reach and MIN_PART_LINES <= i <= len(ordered) - MIN_PART_LINES:
            top, bottom = ordered[:i], ordered[i:]
            (t_type, t_score), (b_type, b_score) = _best(top), _best(bottom)
            if (DocType.OTHER not in (t_type, b_type) and t_type != b_type
                    and _named(top, t_type) and _named(bottom, b_type, tall)):
                cut = (reach + nxt.bbox[1]) / 2
                # Of the cuts that name both parts, the one at the widest gap: two
                # documents on a desk are apart by both their margins, so a cut in a
                # small gap above the lower title leaves the top document's last rows
                # (证书编号, 发证机关) on the lower one.
                key = (nxt.bbox[1] - reach, t_score + b_score)
                if best_cut is None or key > best_cut[0]:
                    best_cut = (key, cut)
        reach = max(reach, nxt.bbox[3])
    if best_cut is None:
        return [(y0, y1)]
    cut = best_cut[1]
    above = [ln for ln in lines if (ln.bbox[1] + ln.bbox[3]) / 2 < cut]
    below = [ln for ln in lines if (ln.bbox[1] + ln.bbox[3]) / 2 >= cut]
    spans = split_by_content(above, y0, cut) + split_by_content(below, cut, y1)
    return spans if len(spans) <= MAX_CONTENT_PARTS else [(y0, cut), (cut, y1)]
