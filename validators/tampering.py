"""TAMPER_SUSPECTED: a text line whose JPEG compression sits on another 8x8 grid than
the page's (a field typed in another image and pasted in). A signal, never a proof:
always a warning, worded as such.

The cue (a "JPEG ghost" searched over the 64 grid offsets): a region that went through
JPEG at quality q on a grid (gx, gy) barely changes when compressed again at about q on
that same grid, and changes much more on any other grid. For every OCR text line of a
page the line's box is recompressed (the decoded Y plane, the standard luminance table
at quality 40, float DCT) on each of the 64 offsets. The line's score is the smallest
error at an offset other than the page's own grid, divided by the smaller of the median
errors of that offset's row and column of offsets: where a line's strokes fall in the
blocks makes a whole row (or column) of offsets dip together, a grid makes one offset
dip. A patch compressed on its own at a low quality and pasted at an arbitrary offset
shows a deep minimum at its own offset; a line printed, scanned and saved with the page
shows none.

The page's grid is (0, 0) for a JPEG decoded as it is stored, so the cue is read from
the uploaded JPEG's own pixels, and only where the page is those pixels (page 1 of a
JPEG image, not turned by EXIF or the orientation step, not downscaled). Other pages
(PDFs, PNG/TIFF/WebP, turned phone photos, downscaled long images) are not judged:
resampling and rotation destroy the grid. A foreign offset shared by half the judged
lines of a page is the page's own grid (a JPEG cropped after it was saved): no finding.

Measured (MEASURED; detection boxes of the OCR engine as lines, five generated
batches: gd-supervisor seed 9 x16, sc-examiner seed 33 x20, gz-expert seed 41 x20 with
`pasted_field` on every other applicant it applies to; clean sc-supervisor seed 77 x24
and ah-examiner seed 5 x30):
- recall: 28 of 28 pasted fields flagged on the patch's line, at the patch's own grid
  (patch quality 25-45); line scores 0.09-0.61; no other line of those pages flagged;
- false alarms: 0 of 102 clean JPEG pages judged (certificates, diplomas, work
  certificates, forms, ID photocopies, phone photos and long images not turned); 95 %
  upper bound 2.9 % per page. Over the 2531 clean lines judged the lowest score was
  0.81, against MAX_RATIO 0.70. The other 368 clean documents of those batches (PDFs,
  PNG/TIFF/WebP, turned pages) are not judged and get no finding.
- cost: about 0.02 s of CPU per line, 0.2-0.3 s per judged page (20-40 lines).
Blind spots: a patch whose offset happens to equal the page's grid (1 in 64), a patch
saved at a quality near the page's, a pasted region then resampled, any non-JPEG page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.context import ApplicantContext
from pipeline.types import BatchFile, BBox, DocType, Document, FileKind, Finding, Page, Severity
from validators.common import finding

log = logging.getLogger(__name__)

QUALITY = 40  # the recompression quality: the generator's patches are q25-45
# A line's score (see above) at or under this is a suspect: pasted fields scored 0.09-0.61,
# clean lines 0.81 and up (module docstring, MEASURED).
MAX_RATIO = 0.70
MIN_ENERGY = 10.0  # median mean-square error below this: a region too flat to judge
MIN_HEIGHT = 12  # px: lines lower than this hold too few 8x8 blocks
PAD = 16  # px of context around a line box that the recompression sees
SHARED_GRID = 0.5  # a foreign offset shared by this share of the judged lines is the page's grid
SKIP_TYPES = {DocType.PHOTO}
MESSAGE = "疑似局部修改（信号，非结论）：{what}所在区域的JPEG压缩网格与页面其余部分不一致，像是从另一张图片粘贴而来，请核对原件"

# Standard IJG luminance table (JPEG Annex K), scaled by quality as libjpeg does.
_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
], np.float64).reshape(8, 8)


def _table(quality: int) -> np.ndarray:
    s = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((_LUMA * s + 50) / 100), 1, 255)


def _dct_matrix() -> np.ndarray:
    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    m[0] /= np.sqrt(2)
    return m


_D = _dct_matrix().astype(np.float32)
_DT = np.ascontiguousarray(_D.T)


def _blocks(a: np.ndarray, ny: int, nx: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left @ block @ right for every 8x8 block of `a` (ny x nx blocks), as two products."""
    r = left @ a.reshape(ny, 8, nx * 8)
    return (r.reshape(ny * 8 * nx, 8) @ right).reshape(ny * 8, nx * 8)


@dataclass
class LineScore:
    box: BBox
    ratio: float  # smallest error at a foreign offset / the medians of its row and column
    grid: tuple[int, int]  # (gx, gy) of that smallest error, page pixels mod 8
    energy: float  # median mean-square error over the 64 offsets

    @property
    def suspect(self) -> bool:
        return self.energy >= MIN_ENERGY and self.ratio <= MAX_RATIO


def grid_errors(luma: np.ndarray, box: BBox, quality: int = QUALITY) -> np.ndarray | None:
    """E[gy, gx]: mean-square change of the region `box` (page pixels) when its luma is
    compressed at `quality` on the 8x8 grid whose origin is at (gx, gy) mod 8."""
    H, W = luma.shape
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 - x0 < 16 or y1 - y0 < MIN_HEIGHT:
        return None
    X0, Y0 = max(0, x0 - PAD), max(0, y0 - PAD)
    X1, Y1 = min(W, x1 + PAD), min(H, y1 + PAD)
    # The judged window, the same pixels for every offset: the box, kept 7 px inside
    # the padded region so that the 8x8 blocks covering it fit in the region.
    wx0, wy0 = max(x0, X0 + 7) - X0, max(y0, Y0 + 7) - Y0
    wx1, wy1 = min(x1, X1 - 7) - X0, min(y1, Y1 - 7) - Y0
    if wx1 - wx0 < 16 or wy1 - wy0 < MIN_HEIGHT:
        return None
    region = (luma[Y0:Y1, X0:X1] - 128.0).astype(np.float32)
    table = _table(quality).astype(np.float32)
    E = np.zeros((8, 8))
    for gy in range(8):
        ky = (gy - Y0) % 8
        by0 = ky + (wy0 - ky) // 8 * 8  # the block that holds the window's first row
        ny = -(-(wy1 - by0) // 8)
        for gx in range(8):
            kx = (gx - X0) % 8
            bx0 = kx + (wx0 - kx) // 8 * 8
            nx = -(-(wx1 - bx0) // 8)
            crop = region[by0:by0 + ny * 8, bx0:bx0 + nx * 8]
            q = np.tile(table, (ny, nx))
            coef = _blocks(crop, ny, nx, _D, _DT)
            back = _blocks(np.round(coef / q) * q, ny, nx, _DT, _D)
            back = np.clip(np.round(back + 128.0), 0, 255) - 128.0
            err = (back - crop) ** 2
            E[gy, gx] = float(err[wy0 - by0:wy1 - by0, wx0 - bx0:wx1 - bx0].mean())
    return E


def score_line(luma: np.ndarray, box: BBox, page_grid: tuple[int, int] = (0, 0)) -> LineScore | None:
    E = grid_errors(luma, box)
    if E is None:
        return None
    med = float(np.median(E))
    if med <= 0:
        return LineScore(box=box, ratio=1.0, grid=page_grid, energy=0.0)
    # A grid leaves a dip at one offset; where the text's lines or strokes fall in the
    # blocks makes a whole row (or column) of offsets dip together. Judge each offset
    # against the smaller median of its row and its column of offsets.
    rows = np.median(E, axis=1, keepdims=True)
    cols = np.median(E, axis=0, keepdims=True)
    ratios = E / np.maximum(np.minimum(rows, cols), 1e-9)
    ratios[page_grid[1], page_grid[0]] = np.inf
    gy, gx = np.unravel_index(int(np.argmin(ratios)), ratios.shape)
    return LineScore(box=box, ratio=float(ratios[gy, gx]), grid=(int(gx), int(gy)), energy=med)


def suspects(luma: np.ndarray, boxes: list[BBox], page_grid: tuple[int, int] = (0, 0)) -> list[LineScore]:
    """The lines of one page on a foreign JPEG grid, unless that grid is the page's."""
    return _foreign([s for b in boxes if (s := score_line(luma, b, page_grid)) is not None])


def _foreign(scores: list[LineScore]) -> list[LineScore]:
    """Of scored lines, those on a foreign grid: judged lines (enough energy) that dip at
    a grid, less a grid that most judged lines dip at (the page's own, cropped after
    saving)."""
    judged = [s for s in scores if s.energy >= MIN_ENERGY]
    hits = [s for s in judged if s.suspect]
    if not hits:
        return []
    # A grid that most judged lines dip at is the page's own (cropped after saving).
    for g in {s.grid for s in hits}:
        if sum(s.grid == g for s in judged) >= SHARED_GRID * len(judged):
            hits = [s for s in hits if s.grid != g]
    return hits


def luma_of(path: str | Path) -> np.ndarray:
    """Luma of an image as stored, without EXIF rotation: for a JPEG the decoded Y
    plane itself (no round trip through RGB), else ITU-R 601 luma of its RGB."""
    from PIL import Image

    with Image.open(path) as im:
        if im.format == "JPEG" and im.mode == "RGB":
            im.draft("YCbCr", im.size)  # decode without the colour conversion
        if im.mode == "YCbCr":
            return np.asarray(im, np.float32)[..., 0]
        if im.mode == "L":
            return np.asarray(im, np.float32)
        rgb = np.asarray(im.convert("RGB"), np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


# ---------------------------------------------------------------- the check


def _overlap(a: BBox, b: BBox) -> float:
    """Share of `a`'s area inside `b`."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max(1.0, (a[2] - a[0]) * (a[3] - a[1]))
    return ix * iy / area


def upload_luma(bf: BatchFile, page: Page) -> np.ndarray | None:
    """The page's luma from the uploaded JPEG's own pixels, when the page is exactly
    those pixels (page 1 of a JPEG image, not turned, not downscaled); else None. Read
    once, by the reading stage (pipeline.page_facts.jpeg_grid), never by the check."""
    from PIL import Image

    if bf.kind != FileKind.JPEG or page.number != 1:
        return None
    if page.source != "image" or page.rotation:
        return None
    try:
        with Image.open(bf.path) as im:
            if im.format != "JPEG" or im.size != (page.width, page.height):
                return None
            if im.getexif().get(0x0112, 1) not in (0, 1):  # EXIF orientation: turned on display
                return None
        return luma_of(bf.path)
    except (OSError, ValueError, SyntaxError) as exc:
        log.debug("tampering: cannot read %s: %s", bf.rel_path, exc)
        return None


def stored_luma(ctx: ApplicantContext, file: str, number: int) -> np.ndarray | None:
    """`upload_luma` of one page of the applicant's files (None when absent)."""
    bf = next((f for f in ctx.files if f.rel_path == file), None)
    page: Page | None = ctx.page(file, number)
    if bf is None or page is None:
        return None
    return upload_luma(bf, page)


def suspects_of(scores: dict[BBox, LineScore], boxes: list[BBox]) -> list[LineScore]:
    """`suspects` over line scores computed beforehand (the page's stored facts)."""
    return _foreign([s for b in boxes if (s := scores.get(tuple(b))) is not None])


def _field_of(doc: Document, number: int, box: BBox) -> str | None:
    best, key = 0.3, None
    for k, fv in doc.fields.items():
        if fv.bbox is None or fv.page not in (None, number):
            continue
        share = _overlap(box, fv.bbox)
        if share > best:
            best, key = share, k
    return key


def check(ctx: ApplicantContext) -> list[Finding]:
    """TAMPER_SUSPECTED per text line on a foreign JPEG grid (warning, a signal)."""
    out: list[Finding] = []
    pages: dict[tuple[str, int], list[tuple[Document, str, BBox]]] = {}
    for doc in ctx.documents:
        if doc.type in SKIP_TYPES:
            continue
        for t in doc.texts:
            for line in t.lines:
                pages.setdefault((doc.file, t.page), []).append((doc, line.text, line.bbox))
    for (file, number), lines in pages.items():
        page = ctx.page(file, number)
        grid = page.facts.jpeg_grid if page is not None and page.facts is not None else None
        if grid is None:  # not the upload's own JPEG pixels, or not judged: no cue
            continue
        scores = {tuple(g.bbox): LineScore(box=tuple(g.bbox), ratio=g.ratio, grid=tuple(g.grid), energy=g.energy)
                  for g in grid}
        boxes = list(dict.fromkeys(b for _, _, b in lines))
        hits = suspects_of(scores, boxes)
        for hit in hits:
            doc, text, _ = next(x for x in lines if x[2] == hit.box)
            subject = _field_of(doc, number, hit.box)
            what = f"“{text}”" if text else "一行文字"
            out.append(finding(
                "TAMPER_SUSPECTED", Severity.WARNING, MESSAGE.format(what=what),
                confidence=0.5 + 0.4 * (MAX_RATIO - hit.ratio) / MAX_RATIO,
                subject=subject, documents=[f"{file}#{number}"],
                found={"page": number, "bbox": [round(v, 1) for v in hit.box], "text": text,
                       "cue": "jpeg_grid", "grid": list(hit.grid), "ratio": round(hit.ratio, 3)},
            ))
    return out
