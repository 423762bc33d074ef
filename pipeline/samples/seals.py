"""Red round seals (公章) as stamped on Chinese documents.

A seal is drawn as a separate ink layer (alpha mask with texture) and multiplied onto
the page, so black text under it stays dark as with real ink. Kept standalone because
defect injection later reuses it with other names, colours and pasted-in looks.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipeline.samples.fonts import font
from pipeline.samples.rng import variety_rng

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


# How a stamp's ink can look (`ink_layer`'s `style`): pressure variation across the seal
# (low-frequency gain range, grid size), speckles (share of pixels, depth), fine grain
# (paper texture through the ink, sigma), the ink's strength and how far it bleeds (blur).
INK_STYLES: dict[str, dict[str, float]] = {
    "stamp": {"low": 0.55, "grid": 6, "speck": 0.06, "depth": 0.35, "grain": 0.0, "strength": 0.88, "bleed": 0.6},
    "even": {"low": 0.95, "grid": 6, "speck": 0.005, "depth": 0.1, "grain": 0.0, "strength": 1.25, "bleed": 0.9},
    "uneven": {"low": 0.3, "grid": 4, "speck": 0.1, "depth": 0.5, "grain": 0.0, "strength": 0.9, "bleed": 0.6},
    "speckle": {"low": 0.75, "grid": 6, "speck": 0.2, "depth": 0.6, "grain": 0.0, "strength": 0.9, "bleed": 0.5},
    "grainy": {"low": 0.8, "grid": 6, "speck": 0.03, "depth": 0.3, "grain": 0.12, "strength": 0.9, "bleed": 0.5},
    "bled": {"low": 0.75, "grid": 5, "speck": 0.03, "depth": 0.3, "grain": 0.0, "strength": 0.85, "bleed": 1.3},
}


def ink_layer(mask: Image.Image, rng: random.Random, color: str | tuple[int, int, int] = "red",
              strength: float | None = None, style: str = "stamp") -> Image.Image:
    """RGBA ink from a mask: uneven pressure (low-frequency) and speckles (high), as the
    ink style has them; every style bleeds a little at the edge, as stamped ink does."""
    st = INK_STYLES[style]
    w, h = mask.size
    nrng = np.random.default_rng(rng.randint(0, 2**32 - 1))
    g = int(st["grid"])
    low = nrng.uniform(st["low"], 1.0, (g, g)).astype(np.float32)
    low_img = Image.fromarray((low * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    speck = (nrng.random((h, w)) > st["speck"]).astype(np.float32) * st["depth"] + (1 - st["depth"])
    a = np.asarray(mask, np.float32) / 255.0
    a = a * (np.asarray(low_img, np.float32) / 255.0) * speck * (strength or st["strength"])
    if st["grain"]:
        a = a * (1 + nrng.normal(0, st["grain"], (h, w))).astype(np.float32)
    a = np.asarray(Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(st["bleed"])), np.float32)
    rgb = INK[color] if isinstance(color, str) else color
    jitter = [min(255, max(0, v + rng.randint(-12, 12))) for v in rgb]
    out = np.zeros((h, w, 4), np.uint8)
    out[..., 0], out[..., 1], out[..., 2] = jitter
    out[..., 3] = a.astype(np.uint8)
    return Image.fromarray(out, "RGBA")


def make_seal_layer(radius: int, org_name: str, rng: random.Random, color: str = "red",
                    inner_text: str | None = None, ink: str = "stamp") -> Image.Image:
    """The seal as an RGBA image (for PDFs, where it is placed as an image)."""
    return ink_layer(seal_mask(radius, org_name, rng, inner_text), rng, color, style=ink)


def vary_inks(seed: int | str, key: str, docs: list[Any]) -> None:
    """Variety: each sealed document of an applicant stamped with an ink style of its own
    (`DocSpec.extra["seal_ink"]`, applied by documents.render_layouts)."""
    for k, doc in enumerate(docs):
        if getattr(doc, "seal", None) is not None:
            doc.extra["seal_ink"] = variety_rng(seed, key, f"seal_ink:{k}").choice(sorted(INK_STYLES))


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
              rng: random.Random, color: str = "red", inner_text: str | None = None,
              ink: str = "stamp") -> BBoxI:
    """Stamp a round seal onto `img` in place; returns its bbox in img pixels."""
    layer = make_seal_layer(radius, org_name, rng, color, inner_text, ink)
    x = int(center[0] - layer.width / 2)
    y = int(center[1] - layer.height / 2)
    multiply_layer(img, layer, (x, y))
    return (x, y, x + layer.width, y + layer.height)
