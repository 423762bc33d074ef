"""Split a page into the regions that each hold one document.

Two packagings of the contract put several documents on one page: a "long image"
(documents stacked vertically, separated by background bands) and an A4 photocopy with
both sides of an ID card. Everything else is one region: the whole page.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.types import Region

LONG_IMAGE_ASPECT = 1.8  # height / width above which a page is a stacked long image
CARD_ASPECT = (1.40, 1.80)  # ID-1 card is 85.6 x 54 mm = 1.585
CARD_AREA = (0.03, 0.40)  # share of the page a card copy takes


def _ink_rows(grey: np.ndarray) -> np.ndarray:
    """Per row: does it hold anything but background? Robust to grey paper and noise."""
    bg = np.percentile(grey, 90)
    dark = grey < bg - 35
    # A row is blank when almost no pixel differs from the background.
    return dark.mean(axis=1) > 0.002


def split_long_image(image: np.ndarray, min_gap_frac: float = 0.02) -> list[tuple[int, int]]:
    """Vertical spans (y0, y1) of the documents of a long image, top to bottom.

    A gap is a run of blank rows at least `min_gap_frac` of the width tall. Gaps inside
    one document (between paragraphs) are shorter than the bands users leave between
    documents, and parts shorter than a quarter of the width are merged with a neighbour.
    """
    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    ink = _ink_rows(grey)
    min_gap = max(8, int(w * min_gap_frac))
    spans: list[tuple[int, int]] = []
    start = None
    blank_run = 0
    for y in range(h):
        if ink[y]:
            if start is None:
                start = y
            blank_run = 0
        else:
            blank_run += 1
            if start is not None and blank_run >= min_gap:
                spans.append((start, y - blank_run + 1))
                start = None
    if start is not None:
        spans.append((start, h))
    # Merge slivers (a signature line, a page number) into the part above them.
    min_part = w // 4
    merged: list[tuple[int, int]] = []
    for y0, y1 in spans:
        if merged and (y1 - y0 < min_part or merged[-1][1] - merged[-1][0] < min_part):
            merged[-1] = (merged[-1][0], y1)
        else:
            merged.append((y0, y1))
    return merged


def find_cards(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of ID-card-shaped rectangles on a page (both sides on one photocopy)."""
    h, w = image.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    bg = np.percentile(grey, 95)
    mask = (grey < bg - 18).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    page_area = small.shape[0] * small.shape[1]
    cards = []
    for c in contours:
        x, y, cw, ch = cv2.boundingRect(c)
        area = cw * ch
        if not (CARD_AREA[0] <= area / page_area <= CARD_AREA[1]):
            continue
        aspect = max(cw, ch) / max(1, min(cw, ch))
        fill = cv2.contourArea(c) / max(area, 1)
        if CARD_ASPECT[0] <= aspect <= CARD_ASPECT[1] and fill > 0.8:
            cards.append((int(x / scale), int(y / scale), int((x + cw) / scale), int((y + ch) / scale)))
    cards.sort(key=lambda b: (b[1], b[0]))
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
