"""ID photos (证件照) cut from skimage's astronaut picture, one variant per person.

The only offline face image is Eileen Collins', so each applicant gets a distinct
variant (mirror, zoom, framing, suit colour, tone, slight warp) that keeps the face
detectable yet is not a near-duplicate of another applicant's photo.
"""

from __future__ import annotations

import functools
import random

import cv2
import numpy as np
from PIL import Image

from pipeline.samples.fonts import font

PHOTO_SIZES = {"小一寸": (260, 378), "一寸": (295, 413), "二寸": (413, 579)}
BACKGROUNDS = {"white": (255, 255, 255), "blue": (67, 142, 219), "red": (200, 30, 40)}


@functools.cache
def _astronaut_and_mask() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut image and a soft person mask (GrabCut, computed once)."""
    from skimage import data

    img = data.astronaut()  # RGB 512x512
    bgr = cv2.resize(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), (256, 256), interpolation=cv2.INTER_AREA)
    # Hints drawn in full-size coordinates on a half-size mask (GrabCut runs at 256 px).
    mask = np.full((256, 256), cv2.GC_PR_BGD, np.uint8)
    mask[:, :15] = cv2.GC_BGD
    mask[:4, :] = cv2.GC_BGD
    cv2.ellipse(mask, (112, 50), (27, 35), 0, 0, 360, cv2.GC_FGD, -1)  # face and hair
    cv2.rectangle(mask, (70, 95), (165, 256), cv2.GC_PR_FGD, -1)  # suit
    cv2.rectangle(mask, (85, 115), (150, 256), cv2.GC_FGD, -1)
    mask[:, 235:] = cv2.GC_BGD  # helmet and shuttle side
    cv2.ellipse(mask, (197, 222), (56, 50), 0, 0, 360, cv2.GC_BGD, -1)  # helmet
    mask[145:, 182:] = cv2.GC_BGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    fg = (cv2.resize(fg, (512, 512), interpolation=cv2.INTER_LINEAR) > 0.5).astype(np.float32)
    # Keep the largest blob and soften its edge like a retouched photo.
    n, lab, stats, _ = cv2.connectedComponentsWithStats((fg > 0).astype(np.uint8))
    if n > 1:
        big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = (lab == big).astype(np.float32)
    fg = cv2.GaussianBlur(fg, (0, 0), 1.6)
    return img, fg


@functools.lru_cache(maxsize=32)
def make_id_photo(seed: int, size: tuple[int, int] = (260, 378), background: str = "white",
                  color: bool = True) -> Image.Image:
    """A head-and-shoulders ID photo of `size` (w, h) on a plain background."""
    rng = random.Random(seed)
    img, mask = _astronaut_and_mask()
    img = img.astype(np.float32)
    # Recolour the suit (orange) to another jacket colour, so photos differ.
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    suit = (np.arange(512)[:, None] > 200) & (hsv[..., 1] > 90)
    hsv[..., 0] = np.where(suit, (hsv[..., 0] + rng.uniform(0, 180)) % 180, hsv[..., 0])
    hsv[..., 1] = np.where(suit, hsv[..., 1] * rng.uniform(0.3, 1.0), hsv[..., 1])
    hsv[..., 2] = np.where(suit, hsv[..., 2] * rng.uniform(0.45, 1.0), hsv[..., 2])
    img = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    # Tone and white balance.
    gamma = rng.uniform(0.8, 1.25)
    img = 255.0 * (img / 255.0) ** gamma
    img *= np.array([rng.uniform(0.92, 1.08) for _ in range(3)], np.float32)
    bg = np.array(BACKGROUNDS.get(background, (255, 255, 255)), np.float32)
    comp = img * mask[..., None] + bg * (1 - mask[..., None])
    comp = np.clip(comp, 0, 255).astype(np.uint8)
    # Smooth random warp: shifts the facial geometry a little.
    gx = cv2.resize(np.random.default_rng(seed).normal(0, 5, (4, 4)).astype(np.float32), (512, 512))
    gy = cv2.resize(np.random.default_rng(seed + 1).normal(0, 5, (4, 4)).astype(np.float32), (512, 512))
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
    comp = cv2.remap(comp, xx + gx, yy + gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # Framing: head centred near the top third, with some zoom and offset.
    w, h = size
    crop_w = rng.uniform(225, 310)
    crop_h = crop_w * h / w
    cx = 225 + rng.uniform(-30, 30)
    top = rng.uniform(-30, 8)
    M = np.float32([[w / crop_w, 0, -(cx - crop_w / 2) * w / crop_w],
                    [0, h / crop_h, -top * h / crop_h]])
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-3, 3), 1.0)
    M = np.vstack([rot, [0, 0, 1]]) @ np.vstack([M, [0, 0, 1]])
    out = cv2.warpAffine(comp, M[:2], (w, h), flags=cv2.INTER_AREA,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(int(v) for v in bg))
    if rng.random() < 0.5:
        out = out[:, ::-1]
    pil = Image.fromarray(np.ascontiguousarray(out))
    return pil.convert("L").convert("RGB") if not color else pil


def photo_hash(seed: int) -> np.ndarray:
    """64-bit difference hash of a person's photo, to keep a batch free of look-alikes."""
    g = np.asarray(make_id_photo(seed).convert("L").resize((9, 8), Image.Resampling.BILINEAR), np.int16)
    return (g[:, 1:] > g[:, :-1]).ravel()


def distinct_photo_seed(rng: random.Random, taken: list[np.ndarray], min_bits: int = 11,
                        tries: int = 15) -> int:
    """A photo seed whose picture differs from every photo already in the batch."""
    best, best_d = 0, -1
    for _ in range(tries):
        seed = rng.randint(0, 2**31 - 1)
        h = photo_hash(seed)
        d = min((int((h != t).sum()) for t in taken), default=64)
        if d > best_d:
            best, best_d = seed, d
        if d >= min_bits:
            break
    taken.append(photo_hash(best))
    return best


# ---------------------------------------------------------------- photos that break the rule


TEXT_PHOTO_LINES = ("证件照", "请上传", "本人近期", "免冠彩照")


def make_non_face_photo(subject: str, size: tuple[int, int], seed: int = 0) -> Image.Image:
    """What some applicants upload as their photo: a cat (skimage's Chelsea, cropped to a
    portrait) or a picture of text (blue type on white, so it is still in colour)."""
    w, h = size
    if subject == "cat":
        from skimage import data

        cat = data.chelsea()  # RGB 451x300
        ch, cw = cat.shape[:2]
        crop_w = min(cw, int(ch * w / h))
        x0 = (cw - crop_w) // 2 + random.Random(seed).randint(-20, 20)
        x0 = max(0, min(cw - crop_w, x0))
        return Image.fromarray(np.ascontiguousarray(cat[:, x0:x0 + crop_w])).resize((w, h), Image.Resampling.LANCZOS)
    if subject == "text":
        from PIL import ImageDraw

        img = Image.new("RGB", (w, h), "white")
        d = ImageDraw.Draw(img)
        size_px = max(16, w // 6)
        for i, line in enumerate(TEXT_PHOTO_LINES):
            d.text((w // 10, h // 8 + int(1.6 * size_px) * i), line, font=font(size_px), fill=(30, 60, 170))
        return img
    raise ValueError(f"unknown photo subject {subject!r}")


def add_grain(img: Image.Image, sigma: float, seed: int) -> Image.Image:
    """Per-pixel colour noise as a camera sensor leaves it: JPEG cannot compress it away,
    so a large photo saved at high quality makes a file of several megabytes."""
    a = np.asarray(img.convert("RGB")).astype(np.float32)
    a += np.random.default_rng(seed).normal(0, sigma, a.shape).astype(np.float32)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
