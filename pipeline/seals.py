"""Seal (公章) detection on page images by ink colour and ring shape.

Reviewers reject most often for a missing or wrong seal, so this finds stamped seals
without any model: ink is segmented by colour in Lab (red: a* high; blue: b* low), so a
pink certificate background or a brown table under a phone photo is not ink; small gaps
are closed with morphology; each blob is then kept only if it looks like a stamp: an
outline (ellipse or square) that is covered by ink nearly all the way round, with a
hollow middle (a filled red emblem or a red suit in a photo is not a seal). Long
straight red lines (table rules, certificate frames) are removed first so a seal that
touches one is still seen on its own.

A grey photocopy turns a red seal grey: on a page without colour, mid-grey ink that is
not black text is tried the same way, but only a strong ring is reported (colour
"black", lower confidence). A seal cut by the page edge (骑缝章, or a page cropped too
tightly) is reported with shape "other" and lower confidence.

Everything runs on a copy scaled to at most 1200 px; boxes are mapped back to the
pixels of the image given.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.types import BBox, Seal

MAX_SIDE = 1200  # work size: a 42 mm seal is still ~80 px across on an A4 page
MAX_PIXELS = 1200 * 900  # long images (stitched pages) are limited by area instead
MIN_DIAMETER_FRAC = 0.06  # of the shorter side (~13 mm on A4): smaller blobs are text, marks
MIN_DIAMETER_PX = 24  # at work size
RED_A_MIN = 16  # Lab a* (8-bit units): faint seal ink ~19, pink background lines ~10, skin ~14
BLUE_B_MAX = -28  # Lab b*: blue ink ~ -60, blue-grey labels ~ -35
GREY_PAGE_CHROMA = 0.004  # share of chromatic pixels under which a page counts as grey
N_ANGLES = 120


@dataclass
class _Ring:
    """Evidence that a blob is a stamped seal outline."""

    cx: float
    cy: float
    a: float  # half-width of the outline along its own x axis
    b: float  # half-height
    angle: float  # degrees, OpenCV ellipse convention
    square: bool
    coverage: float  # share of visible outline angles with ink on the rim
    visible: float  # share of the outline inside the image
    centre_fill: float  # ink share at 0.32-0.48 of the radius (a filled disc is ~1)
    residual: float  # mean |r/r_fit - 1| of the blob's outer contour
    ink: float  # ink share of the rim band


def _to_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[..., :3])
    return image


def _work_copy(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The image scaled to <= MAX_SIDE by an integer factor (OpenCV's fast area path,
    which also keeps thin rings as faint strokes rather than dropping them)."""
    h, w = image.shape[:2]
    f = math.ceil(max(h, w) / MAX_SIDE)
    if max(h, w) > 2 * min(h, w):  # a long image: keep its pages' seals big enough
        f = math.ceil(math.sqrt(h * w / MAX_PIXELS))
    if f <= 1:
        return image, 1.0
    small = cv2.resize(image, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    return small, (w // f) / w


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """max - min channel, uint8: 0 on grey, high on saturated colour."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))


def ink_masks(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """Binary masks of red (and purple) and of blue ink, from Lab chroma.

    Lab is computed only on pixels with some chroma (max - min channel > 18): a page is
    mostly white paper and black text, so this is a few per cent of the pixels."""
    h, w = rgb.shape[:2]
    chroma = _chroma(rgb)
    idx = np.flatnonzero(chroma > 18)
    red = np.zeros(h * w, np.uint8)
    blue = np.zeros(h * w, np.uint8)
    if idx.size:
        px = rgb.reshape(-1, 3)[idx].reshape(-1, 1, 3)
        lab = cv2.cvtColor(px, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.int16)
        a, b = lab[:, 1] - 128, lab[:, 2] - 128
        red[idx] = ((a >= RED_A_MIN) & (b < a)) * 255  # orange/skin/gold have b* >= a*
        blue[idx] = ((b <= BLUE_B_MAX) & (a < -b)) * 255
    return {"red": red.reshape(h, w), "blue": blue.reshape(h, w)}


def is_grey(rgb: np.ndarray) -> bool:
    """True for a page without colour (photocopy, grey scan): chromatic pixels are rare."""
    small, _ = _work_copy(_to_rgb(rgb))
    if small.shape[0] * small.shape[1] > 400_000:
        small = small[::2, ::2]
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    chromatic = (hsv[..., 1] > 60) & (hsv[..., 2] > 60)
    return float(chromatic.mean()) < GREY_PAGE_CHROMA


def _dark_ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Everything clearly darker than the paper (text, rules and grey seal ink)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    paper = float(np.percentile(grey[::4, ::4], 90))
    return ((grey < paper - 40).astype(np.uint8)) * 255


def _remove_lines(mask: np.ndarray) -> np.ndarray:
    """Long straight horizontal/vertical strokes (rules, frames) out of the mask.

    Found on a half-size copy (a line survives a 2x max-pool), which is 4x cheaper.
    A seal's own rim is curved: its straightest run is far shorter than `length`."""
    h, w = mask.shape
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    half = (half > 0).astype(np.uint8) * 255
    length = max(15, int(0.12 * min(h, w)))  # half-size pixels: 0.24 of the shorter side
    # Thickened across first, so a line skewed by a scan (~2 degrees) stays one run.
    horiz = cv2.morphologyEx(cv2.dilate(half, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vert = cv2.morphologyEx(cv2.dilate(half, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    lines = cv2.bitwise_and(cv2.bitwise_or(horiz, vert), half)
    if not lines.any():
        return mask
    lines = cv2.resize(cv2.dilate(lines, np.ones((3, 3), np.uint8)), (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.bitwise_and(mask, cv2.bitwise_not(lines))


def _outline_radius(theta: np.ndarray, a: float, b: float, square: bool) -> np.ndarray:
    """Distance from the centre to the outline along directions theta (outline frame)."""
    c, s = np.abs(np.cos(theta)), np.abs(np.sin(theta))
    if square:
        return np.minimum(a / np.maximum(c, 1e-6), b / np.maximum(s, 1e-6))
    return a * b / np.sqrt((b * c) ** 2 + (a * s) ** 2)


def _dense_hull(pts: np.ndarray) -> np.ndarray:
    """Convex hull vertices plus points every 2 px along its short edges; long edges
    (a chord over a gap, or the cut of a half seal) add only their ends."""
    hull = cv2.convexHull(pts).reshape(-1, 2).astype(np.float32)
    if len(hull) < 3:
        return pts
    nxt = np.roll(hull, -1, axis=0)
    lengths = np.hypot(*(nxt - hull).T)
    limit = 0.15 * lengths.sum()
    out = [hull]
    for p, q, n in zip(hull, nxt, lengths, strict=True):
        if 2 < n < limit:
            t = np.arange(2, n, 2, dtype=np.float32)[:, None] / n
            out.append(p + (q - p) * t)
    dense = np.concatenate(out)
    return dense if len(dense) >= 5 else pts


def _ring_evidence(mask: np.ndarray, contour: np.ndarray, solid: np.ndarray | None = None) -> _Ring | None:
    """Fit an outline to a blob's outer contour and measure how ring-like its ink is;
    `solid` (default: the mask) is what counts as filling the middle."""
    h, w = mask.shape
    pts = contour.reshape(-1, 2).astype(np.float32)
    # Contour points on the image border are the cut of a half seal, not its outline.
    inner = pts[(pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)]
    if len(inner) < 12:
        return None
    # Fit to the convex hull, not the contour: where the ring is broken (text or a QR
    # code stamped over it) the contour dives inwards, the hull bridges the gap.
    outline = _dense_hull(inner)
    rect = cv2.minAreaRect(inner)
    (rw, rh) = rect[1]
    if min(rw, rh) < 4:
        return None
    area = cv2.contourArea(cv2.convexHull(pts))
    rectangularity = area / max(rw * rh, 1.0)
    square = rectangularity > 0.9 and len(inner) > 0.8 * len(pts)
    if square:
        (cx, cy), (aw, bh), angle = rect
        a, b = aw / 2, bh / 2
    else:
        (cx, cy), (ea, eb), angle = cv2.fitEllipse(outline)
        a, b = ea / 2, eb / 2
    if not (a > 2 and b > 2) or max(a, b) / min(a, b) > 2.2:
        return None
    rad = math.radians(angle)
    cos_r, sin_r = math.cos(rad), math.sin(rad)

    def to_local(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = x - cx, y - cy
        return dx * cos_r + dy * sin_r, -dx * sin_r + dy * cos_r

    lx, ly = to_local(outline[:, 0], outline[:, 1])
    r_pts = np.hypot(lx, ly)
    r_fit = _outline_radius(np.arctan2(ly, lx), a, b, square)
    residual = float(np.mean(np.abs(r_pts / np.maximum(r_fit, 1e-6) - 1)))

    theta = np.linspace(0, 2 * np.pi, N_ANGLES, endpoint=False)
    r_out = _outline_radius(theta, a, b, square)
    fracs = np.linspace(0.80, 1.02, 12)
    ux, uy = np.cos(theta), np.sin(theta)
    # Local (outline-frame) points back to image coordinates.
    px = cx + (ux[:, None] * cos_r - uy[:, None] * sin_r) * r_out[:, None] * fracs[None, :]
    py = cy + (ux[:, None] * sin_r + uy[:, None] * cos_r) * r_out[:, None] * fracs[None, :]
    inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    visible_angle = inside[:, -1] & inside[:, 0]
    visible = float(visible_angle.mean())
    if visible < 0.3:
        return None
    xi, yi = np.clip(px, 0, w - 1).astype(int), np.clip(py, 0, h - 1).astype(int)
    hit = (mask[yi, xi] > 0) & inside
    coverage = float(hit[visible_angle].any(axis=1).mean()) if visible_angle.any() else 0.0
    ink = float(hit[visible_angle].mean()) if visible_angle.any() else 0.0

    # Middle: ink share between the star (0.27 r) and the ring text (0.55 r): a seal
    # leaves it nearly empty, a filled emblem or a photo does not.
    cf = np.linspace(0.32, 0.48, 5)
    qx = cx + (ux[:, None] * cos_r - uy[:, None] * sin_r) * r_out[:, None] * cf[None, :]
    qy = cy + (ux[:, None] * sin_r + uy[:, None] * cos_r) * r_out[:, None] * cf[None, :]
    qin = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
    qv = (mask if solid is None else solid)[np.clip(qy, 0, h - 1).astype(int), np.clip(qx, 0, w - 1).astype(int)] > 0
    centre_fill = float(qv[qin].mean()) if qin.any() else 1.0
    return _Ring(float(cx), float(cy), float(a), float(b), float(angle), square, coverage, visible,
                 centre_fill, residual, ink)


def _bbox_of(r: _Ring, w: int, h: int) -> tuple[float, float, float, float]:
    """Axis-aligned box of the fitted outline, clipped to the image."""
    rad = math.radians(r.angle)
    c, s = abs(math.cos(rad)), abs(math.sin(rad))
    if r.square:
        hx, hy = r.a * c + r.b * s, r.a * s + r.b * c
    else:
        hx = math.sqrt((r.a * c) ** 2 + (r.b * s) ** 2)
        hy = math.sqrt((r.a * s) ** 2 + (r.b * c) ** 2)
    return (max(0.0, r.cx - hx), max(0.0, r.cy - hy), min(float(w), r.cx + hx), min(float(h), r.cy + hy))


def _confidence(r: _Ring, grey: bool) -> float:
    """From ring evidence: rim coverage, fit residual, ink on the rim, and how much shows."""
    cov = min(1.0, max(0.0, (r.coverage - 0.6) / 0.35))
    fit = min(1.0, max(0.0, 1 - r.residual / 0.12))
    ink = min(1.0, r.ink / 0.35)
    conf = 0.45 + 0.3 * cov + 0.15 * fit + 0.08 * ink
    if r.visible < 0.9:
        conf *= 0.8
    if grey:
        conf *= 0.75
    return round(min(0.98, conf), 3)


def _mean_hue_colour(rgb: np.ndarray, mask: np.ndarray) -> str:
    """red, or other (purple, magenta) from the median hue of the ink."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue = hsv[..., 0][mask > 0].astype(np.int16)
    if hue.size == 0:
        return "red"
    # Hue wraps at 180: measure the distance to pure red (0/180).
    d = np.minimum(hue, 180 - hue)
    return "red" if float(np.median(d)) <= 14 else "other"


def _candidates(mask: np.ndarray, grey: bool, solid: np.ndarray | None = None) -> list[_Ring]:
    """Blobs of the ink mask that pass size and ring tests."""
    h, w = mask.shape
    min_d = max(MIN_DIAMETER_PX, MIN_DIAMETER_FRAC * min(h, w))
    if cv2.countNonZero(mask) < 2 * min_d:  # not even one thin ring's worth of ink
        return []
    clean = _remove_lines(mask)
    k = max(3, int(round(min(h, w) / 220)) | 1)
    closed = cv2.morphologyEx(clean, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    closed = cv2.dilate(closed, np.ones((3, 3), np.uint8))
    # Outer boundaries of every blob, also of those inside another's hole (a seal
    # inside a certificate's closed frame).
    contours, hier = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    rings: list[_Ring] = []
    for cnt, link in zip(contours, hier[0] if hier is not None else [], strict=False):
        if link[3] != -1:
            continue
        x, y, bw, bh = cv2.boundingRect(cnt)
        if max(bw, bh) < min_d or min(bw, bh) < 0.35 * min_d:
            continue
        r = _ring_evidence(closed, cnt, None if solid is None else cv2.bitwise_or(closed, solid))
        if r is None or 2 * max(r.a, r.b) < min_d:
            continue
        need = 0.86 if grey else 0.72
        if r.coverage < need or r.centre_fill > 0.45 or r.residual > (0.09 if grey else 0.14):
            continue
        if r.ink > 0.72:  # a stamped rim is thin; a badge's or a disc's edge band is full
            continue
        rings.append(r)
    return rings


HOUGH_SIDE = 420  # the grey path looks for circles on a copy this size


def _radial_hits(mask: np.ndarray, cx: float, cy: float, radius: float,
                 fracs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink hits at N_ANGLES directions x radii (fractions of radius); and which lie inside."""
    h, w = mask.shape
    theta = np.linspace(0, 2 * np.pi, N_ANGLES, endpoint=False)
    px = cx + np.cos(theta)[:, None] * radius * fracs[None, :]
    py = cy + np.sin(theta)[:, None] * radius * fracs[None, :]
    inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    hit = mask[np.clip(py, 0, h - 1).astype(int), np.clip(px, 0, w - 1).astype(int)] > 0
    return hit & inside, inside


def _refine_centre(mask: np.ndarray, cx: float, cy: float, r: float,
                   step: float) -> tuple[float, float, float]:
    """Hough's centre is off by a pixel or two of its small copy, enough to miss a thin
    ring on part of the circle: move it (and the radius) to where the most ink lies on
    a thin rim."""
    fracs = np.linspace(0.84, 1.08, 13)
    best = (-1.0, cx, cy, r)
    for _ in range(2):
        _, bx, by, _ = best
        for dx in (-step, 0.0, step):
            for dy in (-step, 0.0, step):
                hit, _ins = _radial_hits(mask, bx + dx, by + dy, r, fracs)
                prof = hit.mean(axis=0)
                i = int(np.argmax(prof))
                if prof[i] > best[0]:
                    best = (float(prof[i]), bx + dx, by + dy, r * float(fracs[i]))
        step /= 2
    return best[1], best[2], best[3]


def _grey_rings(small: np.ndarray) -> list[_Ring]:
    """Round seals on a page without colour: circle candidates from a Hough transform of
    the dark ink (table rules removed), kept only when a thin rim of ink runs nearly all
    the way round, apart from the ink outside it, around a mostly empty middle."""
    h, w = small.shape[:2]
    ink = _remove_lines(_dark_ink_mask(small))
    min_r = max(MIN_DIAMETER_PX, MIN_DIAMETER_FRAC * min(h, w)) / 2
    # Hough sees only blobs as large as a ring arc: text characters out (4-10x faster).
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= min_r
    big[0] = False
    if not big.any():
        return []
    arcs = (big[labels] * 255).astype(np.uint8)
    f = min(1.0, HOUGH_SIDE / max(h, w))
    tiny = cv2.resize(arcs, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    tiny = cv2.GaussianBlur(tiny, (0, 0), 1.0)
    circles = cv2.HoughCircles(tiny, cv2.HOUGH_GRADIENT, dp=1, minDist=max(4, 2 * min_r * f),
                               param1=120, param2=18, minRadius=max(4, int(min_r * f)),
                               maxRadius=max(6, int(0.2 * min(h, w) * f)))
    if circles is None:
        return []
    inkd = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    fracs = np.linspace(0.80, 1.30, 26)  # steps of 0.02
    rings: list[_Ring] = []
    wide = np.linspace(0.80, 1.16, 13)
    for x, y, r in circles[0][:30]:
        # Cheap screen at Hough's centre with a wide rim band, before refining.
        hit, inside = _radial_hits(inkd, x / f, y / f, r / f, wide)
        if float(hit[inside[:, -1]].any(axis=1).mean()) < 0.85 if inside[:, -1].any() else True:
            continue
        cx, cy, rr = _refine_centre(inkd, x / f, y / f, r / f, 1.5 / f)
        hit, inside = _radial_hits(inkd, cx, cy, rr, fracs)
        vis = inside[:, 10]
        visible = float(vis.mean())
        if visible < 0.9:  # the grey path reports only whole, strong rings
            continue
        # The rim: the radius (0.84 .. 1.06 of Hough's) with the most ink all round.
        best_i = 2 + int(np.argmax(hit[vis, 2:14].mean(axis=0)))
        best = float(hit[vis, best_i - 2:best_i + 3].any(axis=1).mean())
        if best < 0.9:
            continue
        outside = float(hit[vis, best_i + 6:best_i + 10].any(axis=1).mean())
        rho = rr * fracs[best_i]
        centre, cin = _radial_hits(ink, cx, cy, rho, np.linspace(0.32, 0.48, 5))
        fill = float(centre[cin].mean()) if cin.any() else 1.0
        if outside > best - 0.35 or fill > 0.45:
            continue
        if any(math.hypot(cx - o.cx, cy - o.cy) < 0.5 * max(rho, o.a) for o in rings):
            continue
        ink_share = float(hit[vis, best_i - 2:best_i + 3].mean())
        rings.append(_Ring(float(cx), float(cy), float(rho), float(rho), 0.0, False, best, visible,
                           fill, 0.02, ink_share))
    return rings


BAND_ASPECT = 1.5  # a long image is searched in bands this many widths tall, half overlapping


def detect_seals(image: np.ndarray, page: int = 1) -> list[Seal]:
    """Seals on an RGB page image (or a region crop); boxes in that image's pixels.

    A long image (documents stitched or photographed one above another) is searched in
    half-overlapping bands about one page tall: shrunk whole to the work size, a licence's
    seal over its patterned background blurs into the pattern."""
    rgb = _to_rgb(np.asarray(image))
    h, w = rgb.shape[:2]
    band = int(BAND_ASPECT * w)
    if h <= 2 * w or band < 64:
        return _detect(rgb, page)
    seals: list[Seal] = []
    step = max(1, band // 2)
    for top in range(0, max(1, h - step), step):
        for s in _detect(rgb[top : min(h, top + band)], page):
            assert s.bbox is not None
            x0, y0, x1, y1 = s.bbox
            moved = s.model_copy(update={"bbox": (x0, round(y0 + top, 1), x1, round(y1 + top, 1))})
            cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2 + top, max(x1 - x0, y1 - y0) / 2
            twin = next((k for k, o in enumerate(seals) if o.bbox is not None and math.hypot(
                cx - (o.bbox[0] + o.bbox[2]) / 2, cy - (o.bbox[1] + o.bbox[3]) / 2) < 0.8 * max(
                r, (o.bbox[2] - o.bbox[0]) / 2, (o.bbox[3] - o.bbox[1]) / 2)), None)
            if twin is None:
                seals.append(moved)
            elif _area(moved) > _area(seals[twin]):  # a seal cut by a band's edge: the whole one
                seals[twin] = moved
    return sorted(seals, key=lambda s: (s.bbox[1], s.bbox[0]) if s.bbox else (0.0, 0.0))


def _area(s: Seal) -> float:
    return 0.0 if s.bbox is None else (s.bbox[2] - s.bbox[0]) * (s.bbox[3] - s.bbox[1])


def _detect(rgb: np.ndarray, page: int) -> list[Seal]:
    small, scale = _work_copy(rgb)
    h, w = small.shape[:2]
    found: list[tuple[_Ring, str, bool]] = []
    masks = ink_masks(small)
    # Strong colour of any hue fills an emblem's middle (gold star and bar on red), dark
    # cloth a badge's; a seal's middle is paper, pale pattern, or some thin text.
    solid = ((_chroma(small) > 70) | (cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) < 90)).astype(np.uint8) * 255
    for name, mask in masks.items():
        rings = _candidates(mask, grey=False, solid=solid)
        if _holds_big_ink(mask, rings):
            rings += _zoomed_out(mask, solid)
        for r in rings:
            colour = "blue" if name == "blue" else _mean_hue_colour(small, _ring_mask(mask, r))
            found.append((r, colour, False))
    if not found and is_grey(small):
        found.extend((r, "black", True) for r in _grey_rings(small))
    # A broken ring can leave its inner text as a blob of its own: keep the outer seal.
    found.sort(key=lambda t: -max(t[0].a, t[0].b))
    kept: list[tuple[_Ring, str, bool]] = []
    for item in found:
        r = item[0]
        if not any(math.hypot(r.cx - k.cx, r.cy - k.cy) < 0.8 * max(k.a, k.b) for k, _, _ in kept):
            kept.append(item)
    seals = []
    for r, colour, grey in kept:
        x0, y0, x1, y1 = _bbox_of(r, w, h)
        bbox: BBox = (round(x0 / scale, 1), round(y0 / scale, 1), round(x1 / scale, 1), round(y1 / scale, 1))
        if r.visible < 0.9:
            shape = "other"  # cut by the edge: 骑缝章 or a cropped page
        elif r.square:
            shape = "square"
        else:
            shape = "round" if min(r.a, r.b) / max(r.a, r.b) >= 0.85 else "oval"
        seals.append(Seal(page=page, bbox=bbox, shape=shape, color=colour, confidence=_confidence(r, grey)))
    return seals


BIG_INK = 0.45  # ink spanning this share of the shorter side may be one seal filling the image


def _holds_big_ink(mask: np.ndarray, rings: list[_Ring]) -> bool:
    """Is there an ink blob as large as a seal that fills the image, with no ring found
    that large? A close-up (the image is the seal) or a photographed stamp: there
    the rim's straightest runs are as long as a page's rules, and the line filter
    takes them out, so the ring is never whole."""
    h, w = mask.shape
    side = BIG_INK * min(h, w)
    if any(2 * min(r.a, r.b) >= side for r in rings):
        return False
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, np.ones((5, 5), np.uint8)), connectivity=8)
    return any(stats[i, cv2.CC_STAT_WIDTH] >= side and stats[i, cv2.CC_STAT_HEIGHT] >= side for i in range(1, n))


def _zoomed_out(mask: np.ndarray, solid: np.ndarray) -> list[_Ring]:
    """Rings of a seal that fills the image, found with the image in the middle of a
    blank canvas three times its size, where the seal is about as large, relative to the
    image, as on a page (and the rules filter no longer takes its rim for a rule: an
    oval's flat top is a long straight run)."""
    h, w = mask.shape
    oy, ox = h, w

    def pad(m: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(m, oy, oy, ox, ox, cv2.BORDER_CONSTANT, value=0)

    # Round and oval only: a square outline that large is a page's ornamental frame.
    return [dataclasses.replace(r, cx=r.cx - ox, cy=r.cy - oy)
            for r in _candidates(pad(mask), grey=False, solid=pad(solid)) if not r.square]


def _ring_mask(mask: np.ndarray, r: _Ring) -> np.ndarray:
    """The ink of the mask inside the fitted outline."""
    m = np.zeros_like(mask)
    cv2.ellipse(m, ((r.cx, r.cy), (2 * r.a, 2 * r.b), r.angle), 255, -1)
    return cv2.bitwise_and(mask, m)


def seal_in_region(seals: list[Seal], region_bbox: BBox) -> list[Seal]:
    """The seals whose centre lies inside a region (to give each document its seals)."""
    x0, y0, x1, y1 = region_bbox
    out = []
    for s in seals:
        if s.bbox is None:
            continue
        cx, cy = (s.bbox[0] + s.bbox[2]) / 2, (s.bbox[1] + s.bbox[3]) / 2
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            out.append(s)
    return out


def ink_stats(image: np.ndarray, seal: Seal) -> dict[str, float]:
    """Two independent cues to a seal pasted in digitally, measured on its ink.

    - `std`: spread of the lightness of the stroke cores (robust, 1.4826 x MAD, 8-bit
      units): a stamp's ink varies with pressure and paper; a pasted seal is one colour.
      Some stamps are inked evenly too, so this alone proves nothing.
    - `edge_width`: pixels part-way between paper and ink per pixel of the ink's outline.
      A stamp's edge is soft (ink bleeds, the scanner's optics blur it): about 1-2.5;
      an image pasted with its alpha cut hard has a one-pixel step: about 0.1-0.5 even
      after JPEG. Measured on lightness, which JPEG keeps at full resolution.
    """
    empty = {"pixels": 0.0, "std": 0.0, "mean_l": 0.0, "edge_width": float("nan")}
    rgb = _to_rgb(np.asarray(image))
    if seal.bbox is None:
        return empty
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in seal.bbox)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return empty
    # A margin of paper around the box, to know the paper's lightness.
    px, py = (x1 - x0) // 4, (y1 - y0) // 4
    X0, Y0, X1, Y1 = max(0, x0 - px), max(0, y0 - py), min(w, x1 + px), min(h, y1 + py)
    big = rgb[Y0:Y1, X0:X1]
    masks = ink_masks(big)
    mask = masks["blue"] if seal.color == "blue" else masks["red"]
    if seal.color in ("black", None) or not mask.any():
        mask = _dark_ink_mask(big)
    inside = np.zeros_like(mask)
    inside[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = 255
    ink = cv2.bitwise_and(mask, inside)
    # Only the core of strokes: anti-aliased edges vary even on a pasted seal. The spread
    # of lightness (robust: 1.4826 x MAD) is what pressure and ink amount change.
    core = cv2.erode(ink, np.ones((3, 3), np.uint8), iterations=2)
    if cv2.countNonZero(core) < 50:
        core = cv2.erode(ink, np.ones((3, 3), np.uint8))
    if cv2.countNonZero(core) < 50:
        core = ink
    lab = cv2.cvtColor(big, cv2.COLOR_RGB2LAB)
    # Lightness averaged over the ink alone (normalised convolution, so paper does not
    # bleed in at thin strokes): JPEG's block noise and ringing are finer than the
    # pressure and ink-amount variation this measures, and the average is not quantised.
    weight = (ink > 0).astype(np.float32)
    lsum = cv2.GaussianBlur(lab[..., 0].astype(np.float32) * weight, (0, 0), 1.5)
    wsum = cv2.GaussianBlur(weight, (0, 0), 1.5)
    light = (lsum / np.maximum(wsum, 1e-3))[core > 0]
    if light.size == 0:
        return empty
    mad = float(np.median(np.abs(light - np.median(light)))) * 1.4826
    return {"pixels": float(light.size), "std": round(mad, 2), "mean_l": float(light.mean()),
            "edge_width": _edge_width(255.0 - lab[..., 0].astype(np.float32), mask, inside)}


def _edge_width(dark: np.ndarray, mask: np.ndarray, inside: np.ndarray) -> float:
    """Pixels between 20 % and 80 % of the way from paper to ink, per outline pixel of
    the ink (at 50 %), near the ink and inside the seal's box; NaN when it cannot tell."""
    ink = (mask > 0) & (inside > 0)
    paper = cv2.dilate(mask, np.ones((9, 9), np.uint8)) == 0
    if ink.sum() < 50 or paper.sum() < 50:
        return float("nan")
    lo, hi = float(np.median(dark[paper])), float(np.percentile(dark[ink], 85))
    span = hi - lo
    if span < 20:  # faint ink: no clear step to measure
        return float("nan")
    near = (cv2.dilate(mask, np.ones((5, 5), np.uint8)) > 0) & (inside > 0)
    half = ((dark > lo + 0.5 * span) & near).astype(np.uint8)
    mid = (dark > lo + 0.2 * span) & (dark < lo + 0.8 * span) & near
    outline = (half - cv2.erode(half, np.ones((3, 3), np.uint8))) > 0
    if outline.sum() < 50:
        return float("nan")
    return round(float(mid.sum() / outline.sum()), 3)


# ---------------------------------------------------------------- seal text and suppression

SEAL_TEXT_BAND = (0.52, 0.95)  # radii (share of the outline) of the ring text
RIM_FREE = 0.9  # rows beyond this radius may hold the rim: not the ring text's core
INNER_TEXT_BAND = (0.33, 0.68)  # below the centre: 人事专用章, a number
SEAL_PAD = 0.08  # share of the seal's size added around its box for suppression
MIN_READ_RADIUS_PX = 40  # smaller seals are not read: too few pixels per character


def seal_ink_image(rgb: np.ndarray, colour: str | None) -> np.ndarray:
    """A grey image of the seal's ink alone, dark on white: black text of the page under a
    red seal has no a* and vanishes. A grey (photocopied) seal has only darkness to go by,
    so there the page's own text stays in."""
    rgb = _to_rgb(rgb)
    if colour in ("black", None):
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    strength = -(lab[..., 2] - 128) if colour == "blue" else lab[..., 1] - 128
    return np.clip(255 - (strength - 5) * 6, 0, 255).astype(np.uint8)


def _empty_runs(prof: np.ndarray) -> list[tuple[int, int]]:
    """Circular runs of False in a boolean profile: (first index, length) each."""
    n = prof.size
    if n == 0 or prof.all() or not prof.any():
        return []
    k = int(np.argmax(prof))  # the profile rolled to start on ink
    p = np.roll(prof, -k).astype(np.int8)
    edges = np.diff(np.concatenate([[1], p, [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return [(int((s + k) % n), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def _longest_run(ink_cols: np.ndarray, max_gap: int) -> tuple[int, int] | None:
    """The longest stretch of ink columns allowing gaps up to `max_gap` (between
    characters); a stray piece of inner text beyond a wider gap is left out."""
    idx = np.flatnonzero(ink_cols)
    if idx.size == 0:
        return None
    best, start = (idx[0], idx[0]), idx[0]
    for prev, cur in zip(idx[:-1], idx[1:], strict=True):
        if cur - prev > max_gap:
            if prev - start > best[1] - best[0]:
                best = (start, prev)
            start = cur
    if idx[-1] - start > best[1] - best[0]:
        best = (start, idx[-1])
    return int(best[0]), int(best[1])


def _core_rows(share: np.ndarray) -> tuple[int, int] | None:
    """The longest block of rows (first, last) with ink on at least half as much of the
    ring as the best row: the ring text's core."""
    if share.max() <= 0.05:
        return None
    return _longest_run(share >= 0.5 * share.max(), max_gap=1)


OVAL_TURN_MIN = 5.0  # degrees: an oval turned less is read along its box's ellipse


def _oval_outline(ink: np.ndarray, cx: float, cy: float, a: float,
                  b: float) -> tuple[float, float, float, float, float]:
    """A turned oval seal's outline (centre, half-axes, angle in degrees within 45 of
    level) fitted to the hull of its largest ink blob; the box's own ellipse for a level
    oval or where the fit disagrees with the box (a rim cut by the edge, ink of the page
    joined to it)."""
    blobs, _ = cv2.findContours((ink < 128).astype(np.uint8) * 255, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not blobs:
        return cx, cy, a, b, 0.0
    hull = cv2.convexHull(max(blobs, key=cv2.contourArea))
    if len(hull) < 5:
        return cx, cy, a, b, 0.0
    (fx, fy), (fw, fh), ang = cv2.fitEllipse(hull)
    fa, fb = fw / 2, fh / 2
    if ang > 45:  # the long axis level: turn the frame by a quarter
        ang, fa, fb = ang - 90, fb, fa
    if ang > 45:
        ang, fa, fb = ang - 90, fb, fa
    # A level oval keeps its box's ellipse: the fit moves it by a pixel or two for nothing.
    ok = (abs(ang) >= OVAL_TURN_MIN and math.hypot(fx - cx, fy - cy) < 0.1 * min(a, b) and 0.85 < max(fa, fb) / max(a, b) < 1.08
          and 0.85 < min(fa, fb) / min(a, b) < 1.15)
    return (fx, fy, fa, fb, ang) if ok else (cx, cy, a, b, 0.0)


def _ring_strip(ink: np.ndarray, cx: float, cy: float, a: float, b: float, radii: np.ndarray,
                width: int, angle: float = 0.0) -> np.ndarray:
    """The whole ring unwrapped from the top, clockwise, one row per radius (outer first).

    A radius r is a curve at (1 - r) x the shorter half-axis inside the outline, along its
    normal: an oval seal's text keeps its height all round (a plain scaling of the ellipse
    squeezes it at the ends of the long axis). Columns are spaced evenly along the middle
    of the band, so characters keep their width on an oval too. `angle` (degrees) turns
    the outline's axes clockwise, as OpenCV's ellipses do."""
    depth = (1.0 - radii) * min(a, b)
    cr, sr = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def points(t: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        st, ct = np.sin(t), np.cos(t)
        nx, ny = b * st, -a * ct  # outward normal of (a sin t, -b cos t)
        nn = np.maximum(np.hypot(nx, ny), 1e-9)
        u = a * st[None, :] - d[:, None] * (nx / nn)[None, :]
        v = -b * ct[None, :] - d[:, None] * (ny / nn)[None, :]
        return cx + u * cr - v * sr, cy + u * sr + v * cr

    fine = np.linspace(0, 2 * math.pi, 4 * width + 1)
    mx_, my_ = points(fine, np.array([float(depth.mean())]))
    seg = np.hypot(np.diff(mx_[0]), np.diff(my_[0]))
    length = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.interp(np.linspace(0, length[-1], width, endpoint=False), length, fine)
    mx, my = points(t, depth)
    return cv2.remap(ink, mx.astype(np.float32), my.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)


@dataclass
class RingCuts:
    """A seal's ring unwrapped into a strip (outer edge up, clockwise) and the candidate
    readings of its name: each starts in one of the widest gaps between ring characters."""

    strip: np.ndarray  # the whole ring, starting at the top
    names: list[np.ndarray]  # name crops, the first cut at the widest gap
    code: np.ndarray | None  # the widest gap's arc turned 180 degrees: a seal code on the bottom
    inner: np.ndarray  # the horizontal text under the centre


def ring_cuts(image: np.ndarray, seal: Seal, n_starts: int = 2) -> RingCuts | None:
    """The ring of a round or oval seal unwrapped, with its name cut where the ring text
    starts; None for a seal too small or cut by the edge.

    The ring text starts and ends at the widest gap without ring characters (at the
    bottom unless the stamp was turned). What counts as a ring character is ink across
    the band's middle radii, which every character of the name crosses from top to
    bottom; a 13-digit code along the bottom (small digits near the rim) and the corners
    of the inner text (below the band's middle) do not, so they do not fill the gap."""
    if seal.bbox is None or seal.shape in ("other", "square"):
        return None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = seal.bbox
    a, b = (x1 - x0) / 2, (y1 - y0) / 2
    if min(a, b) < MIN_READ_RADIUS_PX:
        return None
    pad = 0.05 * max(a, b)
    cx0, cy0 = max(0, int(x0 - pad)), max(0, int(y0 - pad))
    cx1, cy1 = min(w, int(math.ceil(x1 + pad))), min(h, int(math.ceil(y1 + pad)))
    ink = seal_ink_image(np.asarray(image)[cy0:cy1, cx0:cx1], seal.color)
    cx, cy = (x0 + x1) / 2 - cx0, (y0 + y1) / 2 - cy0
    angle = 0.0
    if seal.shape == "oval":  # the box hides a turned oval's axes: fit its outline
        cx, cy, a, b, angle = _oval_outline(ink, cx, cy, a, b)
    r0, r1 = SEAL_TEXT_BAND
    R = min(a, b)
    sh = max(32, int(R * (r1 - r0)))
    radii = np.linspace(r1, r0, sh)
    # Columns as wide as rows are high at the band's middle.
    mid_len = 2 * math.pi * math.sqrt((a * a + b * b) / 2) - 2 * math.pi * (1 - (r0 + r1) / 2) * R
    sw = max(64, int(mid_len * sh / (R * (r1 - r0))))
    strip = _ring_strip(ink, cx, cy, a, b, radii, sw, angle)
    dark = strip < 128
    k = max(3, sh // 8)
    # Each row's ink smoothed along the ring by a stroke's gap (a character's strokes
    # leave narrow gaps between them), then the core of the ring text: the rows most of
    # the ring has ink on, below the rim; rows of a thin line (a double outline) are ink
    # all round and left out.
    smooth = cv2.dilate(np.tile(dark.astype(np.uint8), (1, 3)), np.ones((1, k), np.uint8))[:, sw:2 * sw] > 0
    share = smooth.mean(axis=1)
    share[radii > RIM_FREE] = 0.0
    share[share > 0.97] = 0.0
    core = _core_rows(share)
    prof = np.zeros(sw, bool)
    if core is not None:
        # Ring characters: ink in each third of the core (each smoothed by a quarter of a
        # character); a seal code's digits stand near the rim, the inner text's corners
        # lie lower: neither crosses the whole core.
        c0, c1 = core
        third = max(1, (c1 - c0 + 1) // 3)
        wide = cv2.dilate(smooth.astype(np.uint8), np.ones((1, max(3, sh // 4)), np.uint8)) > 0
        prof = (wide[c0:c0 + third].any(axis=0) & wide[c0 + third:c1 + 1 - third].any(axis=0)
                & wide[c1 + 1 - third:c1 + 1].any(axis=0))
    if prof.mean() < 0.25:  # too faint or thin for that: any ink of the band
        prof = smooth[radii <= RIM_FREE].any(axis=0)
    bridge = max(3, int(0.35 * sh))
    gaps = sorted((g for g in _empty_runs(prof) if g[1] >= bridge), key=lambda g: -g[1])
    if not gaps:
        gaps = [(int(sw // 2 - bridge // 2), bridge)]  # no gap (or no ink): start at the bottom
    names: list[np.ndarray] = []
    code = None
    m = max(2, sh // 6)
    for i, (g0, glen) in enumerate(gaps[:n_starts]):
        shift = (g0 + glen // 2) % sw
        rolled, rprof = np.roll(strip, -shift, axis=1), np.roll(prof, -shift)
        idx = np.flatnonzero(rprof)  # the name: all ring characters round from the gap
        if idx.size == 0:
            continue
        c0, c1 = max(0, int(idx[0]) - m), min(sw, int(idx[-1]) + m + 1)
        names.append(rolled[:, c0:c1])
        if i == 0:
            # The widest gap's arc, read the other way up (a code's digits stand on the rim).
            # From inside the name's ends: its profile is widened by the smoothing, and a
            # code's first and last digits sit close to the name.
            e = max(2, sh // 2)
            arc = np.concatenate([rolled[:, max(c0, c1 - m - e):], rolled[:, :min(c1, c0 + m + e)]], axis=1)
            outer = arc[: int(0.7 * sh)]
            if arc.shape[1] >= sh and (outer < 128).any():
                code = cv2.rotate(outer, cv2.ROTATE_180)
    iy0, iy1 = int(cy + INNER_TEXT_BAND[0] * b), int(cy + INNER_TEXT_BAND[1] * b)
    ix0, ix1 = int(cx - 0.62 * a), int(cx + 0.62 * a)
    inner = ink[max(0, iy0):max(0, iy1), max(0, ix0):max(0, ix1)]
    return RingCuts(strip, names, code, inner)


def unwrap_seal(image: np.ndarray, seal: Seal) -> tuple[np.ndarray, np.ndarray] | None:
    """The ring text unwrapped into a straight strip (outer edge up, read left to right
    as the characters run clockwise, cut at the widest gap of the ring text) and the
    inner horizontal text, both as grey ink images; None for a seal too small or cut by
    the edge."""
    cuts = ring_cuts(image, seal, n_starts=1)
    if cuts is None:
        return None
    return (cuts.names[0] if cuts.names else cuts.strip), cuts.inner


def _recognize(engine: object, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """Line recognition without detection where the engine offers it, else a full read."""
    rgb = [cv2.cvtColor(c, cv2.COLOR_GRAY2RGB) if c.ndim == 2 else c for c in crops]
    rec = getattr(engine, "recognize_lines", None)
    if rec is not None:
        return list(rec(rgb))
    out = []
    for c in rgb:
        lines = engine.read(c)  # type: ignore[attr-defined]
        text = "".join(line.text for line in lines)
        conf = min((line.confidence for line in lines), default=0.0)
        out.append((text, float(conf)))
    return out


MIRROR_TRY_BELOW = 0.6  # a ring read with a lower score is also tried mirrored


def _ring_reading(engine: object, cuts: RingCuts) -> tuple[str, float]:
    """The best reading of the ring's name among its cuts (the widest gap first), and,
    when even that reads poorly, the same cuts mirrored (an impression seen from the
    back runs counter-clockwise): the reading with the highest recogniser score."""
    crops = list(cuts.names)
    reads = [(re.sub(r"[^\u4e00-\u9fffA-Za-z0-9（）()]", "", t), float(c)) for t, c in _recognize(engine, crops)]
    best = ("", 0.0)
    for i, (text, conf) in enumerate(reads):
        if len(text) < 2:
            continue
        # The widest gap is where the name starts; a cut at another gap must read clearly
        # better, and about as long, to be believed.
        if i == 0 or not best[0] or (conf > best[1] + 0.15 and len(text) >= 0.8 * len(best[0])):
            best = (text, conf)
    if best[1] < MIRROR_TRY_BELOW and crops:
        for text, conf in _recognize(engine, [np.ascontiguousarray(c[:, ::-1]) for c in crops]):
            text = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9（）()]", "", text)
            if len(text) >= 2 and conf > best[1] + 0.1:  # only a clearly better mirrored reading
                best = (text, float(conf))
    return best


def read_seal_text(image: np.ndarray, seal: Seal, engine: object) -> Seal:
    """The seal with its ring text (the organisation) and inner text read by OCR on the
    unwrapped ring. Unreadable seals come back unchanged (text None): a missing reading
    is never taken as a mismatch."""
    try:
        cuts = ring_cuts(np.asarray(image), seal)
    except (cv2.error, ValueError):
        return seal
    if cuts is None:
        return seal
    inner = cuts.inner
    try:
        ring_text, ring_conf = _ring_reading(engine, cuts)
        crops = [inner] if inner.size and (inner < 128).any() else []
        read = _recognize(engine, crops + ([cuts.code] if cuts.code is not None else []))
    except Exception:  # a recogniser failure costs the seal's text, not the page
        return seal
    inner_text = None
    if crops and read[0][1] >= 0.6:
        inner_text = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", read[0][0]) or None
    code_read = read[len(crops)][0] if cuts.code is not None else ""
    ring_text, code = split_seal_code(ring_text)
    found = re.search(SEAL_CODE_RX, re.sub(r"\s", "", code_read))
    if found:  # the bottom arc read the other way up is where a code stands
        code = found.group(0)
    update = {"inner_text": inner_text, "code": code}
    if len(ring_text) < 2:
        return seal.model_copy(update=update) if inner_text or code else seal
    return seal.model_copy(update={"text": ring_text, "text_confidence": round(float(ring_conf), 3), **update})


SEAL_CODE_RX = r"\d{10,}"  # a seal code: 13 digits (公安 filing number), read with a digit or two lost


def split_seal_code(ring_text: str) -> tuple[str, str | None]:
    """The ring's organisation text without a run of 10 or more digits (a seal code read
    along with the name), and that run."""
    found = re.search(SEAL_CODE_RX, ring_text)
    if not found:
        return ring_text, None
    return (ring_text[:found.start()] + ring_text[found.end():]), found.group(0)


def suppress_seal_ink(image: np.ndarray, seals: list[Seal]) -> np.ndarray:
    """A copy of the page with the seals' coloured ink turned to paper, so the OCR of the
    text under a seal reads the black strokes alone (PaddleOCR issues 7526, 4629).

    Inside each (padded) seal box, a pixel of red ink takes its red channel, scaled so
    the ink's level meets the paper's, as grey level: red ink on paper turns to paper,
    black text stays dark, and text seen through the ink keeps its darkness. Blue ink
    takes the blue channel. Grey seals are left
    alone: their ink cannot be told from text by colour."""
    coloured = [s for s in seals if s.bbox is not None and s.color in ("red", "blue", "other")]
    rgb = _to_rgb(np.asarray(image))
    if not coloured:
        return rgb
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for s in coloured:
        x0, y0, x1, y1 = s.bbox  # type: ignore[misc]
        pad = SEAL_PAD * max(x1 - x0, y1 - y0)
        bx0, by0 = max(0, int(x0 - pad)), max(0, int(y0 - pad))
        bx1, by1 = min(w, int(math.ceil(x1 + pad))), min(h, int(math.ceil(y1 + pad)))
        if bx1 <= bx0 or by1 <= by0:
            continue
        crop = out[by0:by1, bx0:bx1]
        masks = ink_masks(crop)
        mask = masks["blue"] if s.color == "blue" else masks["red"]
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
        chan = (crop[..., 2] if s.color == "blue" else crop[..., 0]).astype(np.float32)
        sel = mask > 0
        if not sel.any():
            continue
        # The ink's own level in that channel (~200-230, not paper white) is scaled up to
        # paper, so no grey ghost of the ring is left for the text detector to find;
        # text seen through the ink stays as dark, relative to it, as it was.
        level = float(np.percentile(chan[sel], 75))
        paper = float(np.percentile(crop[~sel].max(axis=1), 75)) if (~sel).any() else 255.0
        gain = max(1.0, paper / max(level, 1.0))
        value = np.clip(chan[sel] * gain, 0, 255).astype(np.uint8)
        crop[sel] = np.repeat(value[:, None], 3, axis=1)
    return out
