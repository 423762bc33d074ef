"""Seeded degradations that make clean renders look like real uploads: scanner skew,
blur, noise and JPEG loss, grey photocopies, phone photos (perspective, dark table,
uneven light) and whole-page rotation in pixels or only as an EXIF tag."""

from __future__ import annotations

import functools
import io
import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageEnhance

# EXIF Orientation that makes a viewer undo a clockwise pixel rotation.
EXIF_FOR_CW = {0: 1, 90: 8, 180: 3, 270: 6}


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randint(0, 2**32 - 1))


@functools.lru_cache(maxsize=32)
def _noise_tiles(sigma_q: int, size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative parts of a fixed Gaussian field (sigma in half steps)."""
    n = np.random.default_rng(1234).standard_normal((size, size)).astype(np.float32) * (sigma_q / 2)
    return np.clip(n, 0, 255).astype(np.uint8), np.clip(-n, 0, 255).astype(np.uint8)


def add_noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Sensor/scanner noise, one grey field for all channels, tiled at a random shift."""
    a = np.asarray(img)
    h, w = a.shape[:2]
    pos_t, neg_t = _noise_tiles(max(1, round(sigma * 2)))
    dy, dx = rng.randint(0, 1023), rng.randint(0, 1023)
    reps = (h // 1024 + 2, w // 1024 + 2)
    pos = np.tile(pos_t, reps)[dy:dy + h, dx:dx + w]
    neg = np.tile(neg_t, reps)[dy:dy + h, dx:dx + w]
    if a.ndim == 3:
        pos = cv2.merge([pos] * a.shape[2])
        neg = cv2.merge([neg] * a.shape[2])
    out = cv2.subtract(cv2.add(a, pos), neg)
    return Image.fromarray(out, img.mode)


def blur(img: Image.Image, sigma: float) -> Image.Image:
    """Gaussian blur via OpenCV (several times faster than Pillow on full pages)."""
    if sigma <= 0.05:
        return img
    return Image.fromarray(cv2.GaussianBlur(np.asarray(img), (0, 0), sigma), img.mode)


def skew(img: Image.Image, angle: float, fill: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Rotate by a small angle (degrees, counter-clockwise) keeping the whole page."""
    a = np.asarray(img.convert("RGB"))
    h, w = a.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    c, s_ = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = int(h * s_ + w * c), int(h * c + w * s_)
    M[0, 2] += nw / 2 - w / 2
    M[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(a, M, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=fill)
    return Image.fromarray(out)


def photocopy(img: Image.Image, rng: random.Random) -> Image.Image:
    """Grey photocopy: desaturated, harder contrast, slightly dirty paper."""
    g = img.convert("L")
    g = ImageEnhance.Contrast(g).enhance(rng.uniform(1.3, 1.7))
    g = ImageEnhance.Brightness(g).enhance(rng.uniform(1.02, 1.1))
    g = add_noise(g, rng, rng.uniform(3, 7))
    return g.convert("RGB")


def scan(img: Image.Image, rng: random.Random, grey: bool = False, max_skew: float = 2.0) -> Image.Image:
    """A flatbed scan: slight skew, a touch of blur and noise; optionally a photocopy."""
    img = img.convert("RGB")
    if grey:
        img = photocopy(img, rng)
    if rng.random() < 0.8:
        img = skew(img, rng.uniform(-max_skew, max_skew))
    r = rng.uniform(0.0, 1.0)
    if r > 0.35:
        img = blur(img, r * 0.9)
    return add_noise(img, rng, rng.uniform(1.5, 4.5))


def phone_photo(img: Image.Image, rng: random.Random, long_side: int = 2000, tilt: float = 0.0) -> Image.Image:
    """A phone picture of the paper lying on a darker table: perspective, light fall-off,
    and the paper turned by `tilt` degrees (counter-clockwise) on the table, so that
    long lines climb by more than the line pitch."""
    src = np.asarray(img.convert("RGB"))
    h, w = src.shape[:2]
    portrait = h >= w
    cw, ch = (int(long_side * 0.75), long_side) if portrait else (long_side, int(long_side * 0.75))
    nrng = _np_rng(rng)
    # Table: a dark, slightly textured surface.
    base = np.array([rng.randint(40, 110), rng.randint(35, 95), rng.randint(30, 85)], np.float32)
    tex = nrng.normal(0, 12, (12, 16, 1)).astype(np.float32) + base[None, None, :]
    table = cv2.resize(np.clip(tex, 0, 255).astype(np.uint8), (cw, ch), interpolation=cv2.INTER_LINEAR)
    scale = min(cw / w, ch / h) * rng.uniform(0.78, 0.9)
    pw, ph = w * scale, h * scale
    ox, oy = (cw - pw) / 2, (ch - ph) / 2
    j = 0.045
    dst = np.float32([
        [ox + rng.uniform(-j, j) * pw, oy + rng.uniform(-j, j) * ph],
        [ox + pw + rng.uniform(-j, j) * pw, oy + rng.uniform(-j, j) * ph],
        [ox + pw + rng.uniform(-j, j) * pw, oy + ph + rng.uniform(-j, j) * ph],
        [ox + rng.uniform(-j, j) * pw, oy + ph + rng.uniform(-j, j) * ph],
    ])
    if tilt:
        a = np.deg2rad(tilt)
        c = dst.mean(axis=0)
        turn = np.float32([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
        dst = ((dst - c) @ turn.T + c).astype(np.float32)
    M = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
    out = cv2.warpPerspective(src, M, (cw, ch), dst=table, flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_TRANSPARENT)
    # Uneven light: a linear gradient and a soft vignette, computed small and enlarged.
    yy, xx = np.mgrid[0:48, 0:64].astype(np.float32)
    xx, yy = xx / 63 - 0.5, yy / 47 - 0.5
    gx, gy = rng.uniform(-0.18, 0.18), rng.uniform(-0.18, 0.18)
    light = 1.0 + gx * xx + gy * yy - 0.25 * (xx**2 + yy**2)
    warm = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.88, 0.98)], np.float32)
    light3 = light[..., None] * (warm * rng.uniform(0.88, 1.0))[None, None, :]
    light_u16 = cv2.resize((np.clip(light3, 0, 1.2) * 256).astype(np.uint16), (cw, ch))
    out = np.minimum((out.astype(np.uint32) * light_u16) >> 8, 255).astype(np.uint8)  # uint16 wrapped above 1.0
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.1))
    return add_noise(Image.fromarray(out), rng, rng.uniform(2, 5))


def rotate_cw(img: Image.Image, degrees: int) -> Image.Image:
    """Rotate clockwise by a multiple of 90 degrees (lossless)."""
    op = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
          270: Image.Transpose.ROTATE_90}[degrees % 360]
    return img if op is None else img.transpose(op)


def exif_bytes(orientation: int | None, phone: bool = False) -> bytes:
    """EXIF with the Orientation tag (and a camera model for phone shots)."""
    ex = Image.Exif()
    if orientation and orientation != 1:
        ex[0x0112] = orientation
    if phone:
        ex[0x010F] = "Xiaomi"
        ex[0x0110] = "Redmi K60"
        ex[0x0131] = "K60-V14.0.8"
    return ex.tobytes()


def save_image(img: Image.Image, path: Path, fmt: str, rng: random.Random,
               exif_orientation: int | None = None, phone: bool = False) -> None:
    """Save as the uploader's tool would: JPEG quality 60-90, PNG, TIFF, BMP or WebP."""
    fmt = fmt.lower()
    if fmt in ("jpg", "jpeg"):
        kw: dict[str, object] = {"quality": rng.randint(60, 90)}
        if exif_orientation or phone:
            kw["exif"] = exif_bytes(exif_orientation, phone)
        img.convert("RGB").save(path, "JPEG", **kw)
    elif fmt == "png":
        img.save(path, "PNG", optimize=False, compress_level=3)
    elif fmt in ("tif", "tiff"):
        img.save(path, "TIFF", compression="tiff_lzw")
    elif fmt == "bmp":
        img.convert("RGB").save(path, "BMP")
    elif fmt == "webp":
        img.convert("RGB").save(path, "WEBP", quality=rng.randint(70, 90), method=1)
    else:
        raise ValueError(fmt)


def jpeg_roundtrip(img: Image.Image, quality: int) -> Image.Image:
    """JPEG loss in memory (for pages that end up inside PDFs or long images)."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
