"""Red round seals (公章) as stamped on Chinese documents.

A seal is drawn as a separate ink layer (alpha mask with texture) and multiplied onto
the page, so black text under it stays dark as with real ink. Kept standalone because
defect injection later reuses it with other names, colours and pasted-in looks.
"""

from __future__ import annotations

import functools
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipeline.samples.fonts import font

BBoxI = tuple[int, int, int, int]

INK = {
    "red": (205, 32, 42),
    "blue": (40, 60, 175),
    "black": (35, 35, 35),
    "purple": (150, 40, 110),
}


def _star(cx: float, cy: float, r_out: float) -> list[tuple[float, float]]:
    r_in = r_out * 0.382
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(-90 + i * 36)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def seal_mask(radius: int, org_name: str, rng: random.Random, inner_text: str | None = None,
              ring: float = 0.055) -> Image.Image:
    """Grey mask (255 = ink) of a round seal of that radius, stamped at a slight angle."""
    m = _upright_mask(radius, org_name, inner_text, ring)
    return m.rotate(rng.uniform(-18, 18), resample=Image.Resampling.BICUBIC)


@functools.lru_cache(maxsize=64)
def _upright_mask(radius: int, org_name: str, inner_text: str | None, ring: float) -> Image.Image:
    """The seal's mask before rotation; cached as one organisation stamps many pages.

    Drawn at twice the size and reduced, for smooth edges on the ring and star.
    """
    s = 2
    R = radius * s
    size = 2 * R + 8 * s
    c = size / 2
    m = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(m)
    t = max(3 * s, int(R * ring))
    d.ellipse((c - R, c - R, c + R, c + R), outline=255, width=t)
    d.polygon(_star(c, c - R * 0.02, R * 0.27), fill=255)
    # Organisation name along the upper arc, characters upright towards the rim.
    name = org_name
    n = max(1, len(name))
    rt = R * 0.70
    span = min(250.0, 40.0 + n * 17.0)
    fs = int(min(R * 0.30, (math.radians(span) * rt) / (n * 1.02)))
    f = font(fs, "serif")
    for i, ch in enumerate(name):
        theta = -span / 2 + (span * i / (n - 1) if n > 1 else 0)
        cell = Image.new("L", (fs * 2, fs * 2), 0)
        ImageDraw.Draw(cell).text((fs, fs), ch, font=f, fill=255, anchor="mm",
                                  stroke_width=max(1, fs // 30))
        cell = cell.resize((fs * 2, int(fs * 2 * 1.18)))  # seal type is tall and narrow
        cell = cell.rotate(-theta, resample=Image.Resampling.BICUBIC, expand=True)
        a = math.radians(theta)
        x = c + rt * math.sin(a)
        y = c - rt * math.cos(a)
        m.paste(255, (int(x - cell.width / 2), int(y - cell.height / 2)), cell)
    if inner_text:
        fi = font(int(R * 0.16), "serif")
        d.text((c, c + R * 0.50), inner_text, font=fi, fill=255, anchor="mm",
               stroke_width=max(1, int(R * 0.006)))
    return m.resize((size // s, size // s), Image.Resampling.LANCZOS)


def ink_layer(mask: Image.Image, rng: random.Random, color: str | tuple[int, int, int] = "red",
              strength: float = 0.88) -> Image.Image:
    """RGBA ink from a mask: uneven pressure (low-frequency) and speckles (high)."""
    w, h = mask.size
    nrng = np.random.default_rng(rng.randint(0, 2**32 - 1))
    low = nrng.uniform(0.55, 1.0, (6, 6)).astype(np.float32)
    low_img = Image.fromarray((low * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    speck = (nrng.random((h, w)) > 0.06).astype(np.float32) * 0.35 + 0.65
    a = np.asarray(mask, np.float32) / 255.0
    a = a * (np.asarray(low_img, np.float32) / 255.0) * speck * strength
    a = np.asarray(Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.6)), np.float32)
    rgb = INK[color] if isinstance(color, str) else color
    jitter = [min(255, max(0, v + rng.randint(-12, 12))) for v in rgb]
    out = np.zeros((h, w, 4), np.uint8)
    out[..., 0], out[..., 1], out[..., 2] = jitter
    out[..., 3] = a.astype(np.uint8)
    return Image.fromarray(out, "RGBA")


def make_seal_layer(radius: int, org_name: str, rng: random.Random, color: str = "red",
                    inner_text: str | None = None) -> Image.Image:
    """The seal as an RGBA image (for PDFs, where it is placed as an image)."""
    return ink_layer(seal_mask(radius, org_name, rng, inner_text), rng, color)


def multiply_layer(img: Image.Image, layer: Image.Image, xy: tuple[int, int]) -> None:
    """Multiply an RGBA ink layer onto an RGB image in place (ink over text)."""
    x, y = xy
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(img.width, x + layer.width), min(img.height, y + layer.height)
    if x1 <= x0 or y1 <= y0:
        return
    lay = np.asarray(layer, np.float32)[y0 - y:y1 - y, x0 - x:x1 - x]
    base = np.asarray(img.crop((x0, y0, x1, y1)).convert("RGB"), np.float32)
    a = lay[..., 3:4] / 255.0
    out = base * (1 - a + a * lay[..., :3] / 255.0)
    img.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), (x0, y0))


def draw_seal(img: Image.Image, center: tuple[int, int], radius: int, org_name: str,
              rng: random.Random, color: str = "red", inner_text: str | None = None) -> BBoxI:
    """Stamp a round seal onto `img` in place; returns its bbox in img pixels."""
    layer = make_seal_layer(radius, org_name, rng, color, inner_text)
    x = int(center[0] - layer.width / 2)
    y = int(center[1] - layer.height / 2)
    multiply_layer(img, layer, (x, y))
    return (x, y, x + layer.width, y + layer.height)
