"""The OCR engine protocol, text normalisation and the per-process engine cache.

Every engine (one file each, registered in `models.OCR_ENGINES`) turns an RGB page image
into `OcrLine`s whose text went through `normalize_text`, so that extractors match one
spelling of digits and punctuation whichever engine read the page.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from models import engine_class
from pipeline.types import BBox, OcrLine


@runtime_checkable
class OcrEngine(Protocol):
    """What the pipeline needs from an OCR engine."""

    name: str

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Read an RGB uint8 HxWx3 image: lines with boxes in that image's pixels,
        sorted top-to-bottom, then left-to-right."""
        ...

    def detect(self, image: np.ndarray) -> list[BBox]:
        """Text-line boxes only (no recognition): the cheap pass orientation uses."""
        ...


# ---------------------------------------------------------------- normalisation

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Circles OCR gives for the zero of Chinese dates (二〇二四年): one spelling, 〇 (U+3007).
_ZERO_LIKE = dict.fromkeys(map(ord, "○◯⭕⚪"), "〇")
# Dash variants (hyphen, en/em dash, minus, small/full-width hyphen-minus) -> "-".
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _t2s() -> Any:
    """OpenCC's traditional -> simplified converter (built once; its tables ship in the wheel)."""
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _simplified_chars() -> frozenset[str]:
    """The characters of GB 2312, the simplified standard set: left as printed, because
    t2s alone would rewrite some of them (the surname 於 -> 于, 乾 -> 干, 徵 -> 征)."""
    out = []
    for b1 in range(0xB0, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                out.append(bytes((b1, b2)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# 於 is kept as a surname, but before a date or number it is the preposition 于 in
# traditional print (於2005年9月至2008年6月在本校…学习); a surname is followed by a given name.
_PREPOSITION_YU = re.compile(r"於(?=\s*[0-9〇零一二三四五六七八九十])")


def to_simplified(s: str) -> str:
    """Traditional characters to simplified (OpenCC t2s), for fonts and OCR models that
    return 學校 for the printed 学校; characters of the simplified set are kept as they are,
    so a simplified name or place is never changed."""
    s = _PREPOSITION_YU.sub("于", s)
    keep = _simplified_chars()
    if not any(c not in keep for c in _HAN.findall(s)):
        return s
    conv = _t2s().convert(s)
    if len(conv) != len(s):  # a phrase conversion changed the length: convert char by char
        conv = "".join(c if c in keep else _t2s().convert(c) for c in s)
    return "".join(a if a in keep else b for a, b in zip(s, conv, strict=True))


def normalize_text(s: str) -> str:
    """One spelling per character, so extractors need one pattern per field.

    Decisions (why: OCR models emit full- and half-width forms at random for the same
    glyph, and letter-spaced titles like 证 书 come back with spaces):
    - Unicode NFKC: full-width ASCII letters, digits and punctuation become ASCII, so
      ０-９/Ａ-Ｚ -> 0-9/A-Z and the Chinese-keyboard ，：；（）！？ -> , : ; ( ) ! ?;
      Kangxi radicals and CJK compatibility ideographs become ordinary ideographs.
      Punctuation without an ASCII twin stays Chinese: 。、《》【】“”‘’·.
    - ○ ◯ (circles read for the date zero) -> 〇; dash variants (— – − －) -> "-".
    - zero-width characters and soft hyphens are removed.
    - whitespace between two CJK characters is removed; other runs of whitespace
      (ideographic space included) collapse to one ASCII space; ends are stripped.
    - traditional characters become simplified (`to_simplified`): some fonts print
      glyphs the recogniser reads as 學/橋/東, and every comparison is in simplified.
    """
    s = s.translate(_ZERO_WIDTH)
    s = unicodedata.normalize("NFKC", s)
    s = to_simplified(s)
    s = s.translate(_ZERO_LIKE).translate(_DASHES)
    s = _SPACE_BETWEEN_CJK.sub("", s)
    return _SPACES.sub(" ", s).strip()


# ---------------------------------------------------------------- line helpers


def polygon_bbox(polygon: Sequence[Sequence[float]]) -> BBox:
    """Axis-aligned box around a polygon."""
    xs = [float(p[0]) for p in polygon]
    ys = [float(p[1]) for p in polygon]
    return (min(xs), min(ys), max(xs), max(ys))


def make_line(text: str, confidence: float, polygon: Sequence[Sequence[float]]) -> OcrLine:
    """An OcrLine with normalised text, clamped confidence, a 4-point polygon and its box."""
    pts = [(float(p[0]), float(p[1])) for p in polygon]
    if len(pts) != 4:  # engines may return more points for curved text: keep the hull box
        x0, y0, x1, y1 = polygon_bbox(pts)
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    conf = float(confidence)
    conf = 0.0 if conf != conf else min(1.0, max(0.0, conf))  # NaN -> 0
    return OcrLine(text=normalize_text(text), confidence=conf, bbox=polygon_bbox(pts), polygon=pts)


def sort_lines(lines: Iterable[OcrLine]) -> list[OcrLine]:
    """Reading order: rows top-to-bottom (boxes whose vertical centres are within half a
    line height share a row), then left-to-right inside a row."""
    items = sorted(lines, key=lambda ln: ((ln.bbox[1] + ln.bbox[3]) / 2, ln.bbox[0]))
    rows: list[list[OcrLine]] = []
    row_centre = row_height = 0.0
    for ln in items:
        cy = (ln.bbox[1] + ln.bbox[3]) / 2
        h = max(1.0, ln.bbox[3] - ln.bbox[1])
        if rows and abs(cy - row_centre) <= 0.5 * min(h, row_height):
            rows[-1].append(ln)
            n = len(rows[-1])
            row_centre += (cy - row_centre) / n
            row_height = max(row_height, h)
        else:
            rows.append([ln])
            row_centre, row_height = cy, h
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.bbox[0])]


SECOND_LOOK_BELOW = 0.9  # lines read less surely than this are read again
SECOND_LOOK_GAIN = 0.05  # the second reading replaces the first when this much surer
SECOND_LOOK_MAX_SLOPE = 0.05  # a quad steeper than this (~3 degrees) is not cropped upright


def second_look(image: np.ndarray, lines: list[OcrLine],
                recognize: Callable[[list[np.ndarray]], list[tuple[str, float]]]) -> list[OcrLine]:
    """Doubtful lines read again from an upright crop of the page with a margin.

    The engines recognise a line from its detection quad, warped to a tight strip; a quad
    that clips the strokes or leans a little can garble a short line (a name read
    琴盟煜 at 0.68 that the same recogniser reads 邵磊鑫 at 0.99 from the plain box with a
    few pixels around it). Only lines read with doubt, on quads near level, are read
    again, and the surer reading is kept, so clear lines and tilted text are untouched."""
    todo: list[int] = []
    crops: list[np.ndarray] = []
    h_img, w_img = image.shape[:2]
    for i, ln in enumerate(lines):
        if ln.confidence >= SECOND_LOOK_BELOW or ln.polygon is None:
            continue
        x0, y0, x1, y1 = ln.bbox
        h = y1 - y0
        (ax, ay), (bx, by) = ln.polygon[0], ln.polygon[1]
        if h < 8 or abs(bx - ax) < h or abs(by - ay) / abs(bx - ax) > SECOND_LOOK_MAX_SLOPE:
            continue
        cx0, cx1 = max(0, int(x0 - 0.15 * h)), min(w_img, int(x1 + 0.15 * h + 1))
        cy0, cy1 = max(0, int(y0 - 0.1 * h)), min(h_img, int(y1 + 0.1 * h + 1))
        if cx1 - cx0 < 4 or cy1 - cy0 < 4:
            continue
        todo.append(i)
        crops.append(as_rgb(image[cy0:cy1, cx0:cx1]))
    if not todo:
        return lines
    out = list(lines)
    for i, (text, score) in zip(todo, recognize(crops), strict=True):
        old = lines[i]
        if text.strip() and score >= old.confidence + SECOND_LOOK_GAIN:
            out[i] = make_line(text, score, old.polygon or [])
    return out


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Accept gray or RGBA too, return contiguous RGB uint8 (engines assume 3 channels)."""
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image)


def warmup_image() -> np.ndarray:
    """A small RGB image with printed text, so warm-up runs detection, the angle
    classifier and recognition once (each model loads and allocates on first use)."""
    import cv2

    img = np.full((96, 480, 3), 255, np.uint8)
    cv2.putText(img, "OCR 2024-11-22", (12, 62), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 0), 3)
    return img


# ---------------------------------------------------------------- registry / cache

_CACHE: dict[tuple[str, str], OcrEngine] = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(name: str, options: dict[str, Any]) -> tuple[str, str]:
    return name, repr(sorted(options.items()))


def get_engine(name: str = "rapidocr", **options: Any) -> OcrEngine:
    """The engine `name` built with `options` (fields of its options class).

    Cached: one instance per process per (name, options), because loading and warming
    the models costs seconds while a call costs well under one. Raises
    `models.UnknownEngineError` for a name that is not registered.
    """
    key = _cache_key(name, options)
    engine = _CACHE.get(key)
    if engine is not None:
        return engine
    with _CACHE_LOCK:
        engine = _CACHE.get(key)
        if engine is None:
            cls = engine_class(name)
            engine = cls(cls.Options(**options))
            _CACHE[key] = engine
    return engine


def clear_engine_cache() -> None:
    """Forget cached engines (tests, or to free memory after a run)."""
    with _CACHE_LOCK:
        _CACHE.clear()
