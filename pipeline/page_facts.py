"""The facts about a page that the checks need, computed once by the reading stage while
the page is in memory and stored on the page (`Page.facts`, `Seal.ink`), so a warm
re-run reads them from the file cache and no check decodes a page image again.

- seals: every seal found on the whole page, with its ink statistics (seal check);
- grey: whether the page has no colour (seal check: a red seal photocopied grey);
- jpeg_grid: each text line's JPEG-grid score from the uploaded JPEG's own pixels
  (tampering check), for the pages that are those pixels;
- regions: perceptual hash and 128x128 grey copy of every region (duplicate pages);
- photos: size, background, colour, faces, hash and 64x64 grey copy of each region read
  as a photo (photo check, duplicate photos, the report's photo facts).

The functions here are the same computations the checks used to run on the page image,
so the findings are the same; they only run earlier, once.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Iterable
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image

from pipeline.context import ApplicantContext
from pipeline.seals import ink_stats, is_grey
from pipeline.types import (
    BatchFile,
    BBox,
    DocType,
    GridScore,
    InkStats,
    Page,
    PageFacts,
    PhotoLook,
    RegionLook,
    Seal,
)

log = logging.getLogger(__name__)

REGION_THUMB = 128  # side of the grey copy the duplicate-page check correlates
PHOTO_THUMB = 64  # side of the grey copy the duplicate-photo check correlates
MIN_REGION_SIDE = 16  # a region thinner than this has no usable signature


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, np.uint8).tobytes()).decode("ascii")


def thumb_of(text: str, side: int) -> np.ndarray:
    """A stored grey copy back as a zero-mean, unit-norm float array (correlation is
    then a dot product), exactly as the checks normalised it before."""
    t = np.frombuffer(base64.b64decode(text), np.uint8).reshape(side, side).astype(np.float64)
    t -= t.mean()
    norm = float(np.sqrt((t * t).sum()))
    return t / norm if norm > 0 else t


def with_ink(image: np.ndarray, seal: Seal) -> Seal:
    """The seal with its ink statistics, measured on the page it was found on."""
    s = ink_stats(image, seal)
    edge = float(s["edge_width"])
    ink = InkStats(pixels=float(s["pixels"]), std=float(s["std"]), mean_l=float(s["mean_l"]),
                   edge_width=edge if math.isfinite(edge) else None)
    return seal.model_copy(update={"ink": ink})


def region_look(grey: np.ndarray, bbox: BBox) -> RegionLook | None:
    """pHash and 128x128 grey copy of one region of a grey page (None: too small)."""
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    crop = grey[max(0, y0):max(0, y1), max(0, x0):max(0, x1)]
    if crop.size == 0 or min(crop.shape) < MIN_REGION_SIDE:
        return None
    t = cv2.resize(crop, (REGION_THUMB, REGION_THUMB), interpolation=cv2.INTER_AREA)
    return RegionLook(bbox=bbox, phash=str(imagehash.phash(Image.fromarray(crop))), thumb=_b64(t))


def photo_crop(image: np.ndarray, bbox: BBox) -> np.ndarray:
    """The photo's pixels: its region of the page (the whole page if the box is empty)."""
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    crop = image[max(0, y0):y1, max(0, x0):x1]
    return crop if crop.size else image


def photo_look(image: np.ndarray, bbox: BBox, faces: list[BBox] | None = None) -> PhotoLook:
    """The photo facts of one region of an RGB page. `faces`: boxes already found on the
    same pixels (classification searched them), so the faces are searched only once."""
    from validators.photo import photo_facts

    crop = photo_crop(image, bbox)
    facts = photo_facts(crop, faces)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    t = cv2.resize(grey, (PHOTO_THUMB, PHOTO_THUMB), interpolation=cv2.INTER_AREA)
    return PhotoLook(bbox=bbox, width_px=facts["width_px"], height_px=facts["height_px"],
                     background=facts["background"], color=facts["color"], faces=facts["faces"],
                     face_boxes=[tuple(float(v) for v in b) for b in facts["face_boxes"]],
                     phash=str(imagehash.phash(Image.fromarray(crop))), thumb=_b64(t))


def page_facts(image: np.ndarray, seals: list[Seal], regions: Iterable[BBox],
               photos: Iterable[tuple[BBox, list[BBox] | None]] = ()) -> PageFacts:
    """The facts of one upright RGB page: its seals (ink measured), grey or not, a
    signature per region and the facts of each photo region ((bbox, faces found or None))."""
    grey_page = np.asarray(Image.fromarray(image).convert("L"))
    looks = [look for b in dict.fromkeys(tuple(r) for r in regions) if (look := region_look(grey_page, b))]
    return PageFacts(grey=is_grey(image), seals=[s if s.ink is not None else with_ink(image, s) for s in seals],
                     regions=looks, photos=[photo_look(image, b, f) for b, f in photos])


def jpeg_grid(bf: BatchFile, page: Page, boxes: Iterable[BBox]) -> list[GridScore] | None:
    """Each line's JPEG-grid score on the uploaded JPEG's own pixels, when the page is
    exactly those pixels (validators.tampering.upload_luma); None when it is not, or
    when the page cannot be judged."""
    from validators.tampering import score_line, upload_luma

    luma = upload_luma(bf, page)
    if luma is None:
        return None
    out: list[GridScore] = []
    try:
        for box in dict.fromkeys(tuple(b) for b in boxes):
            s = score_line(luma, box)
            if s is not None:
                out.append(GridScore(bbox=box, ratio=s.ratio, grid=s.grid, energy=s.energy))
    except (ValueError, MemoryError) as exc:  # a page that cannot be judged is skipped
        log.debug("tampering: %s#%d not judged: %s", bf.rel_path, page.number, exc)
        return None
    return out


def image_at(page: Page) -> np.ndarray | None:
    """The page's upright RGB pixels from its image (for facts missing after assembly)."""
    try:
        return np.asarray(Image.open(page.image_path).convert("RGB"))
    except OSError:
        return None


def has_image(page: Page) -> bool:
    """Whether the page's image is still on disk: the checks that look at pixels say
    nothing about a page whose image was lost, as when they decoded it themselves."""
    return Path(page.image_path).is_file()


def fill_context(ctx: ApplicantContext) -> ApplicantContext:
    """The context with the facts the reading stage stores, for a context built outside
    the runner (tests, tools): each page's facts from its image (seals detected without
    reading their ring, photo facts for the photo documents' first regions, JPEG-grid
    scores for the lines of the page's texts), and the ink of every document's seals."""
    from pipeline.seals import detect_seals

    images: dict[tuple[str, int], np.ndarray] = {}
    pages: list[Page] = []
    for page in ctx.pages:
        image = image_at(page)
        if image is None:
            pages.append(page)
            continue
        images[(page.file, page.number)] = image
        texts = [t for d in ctx.documents if d.file == page.file for t in d.texts if t.page == page.number]
        photos = [(d.texts[0].region.bbox, None) for d in ctx.documents
                  if d.type == DocType.PHOTO and d.file == page.file and d.texts and d.texts[0].page == page.number]
        facts = page_facts(image, detect_seals(image, page.number), [t.region.bbox for t in texts], photos)
        bf = next((f for f in ctx.files if f.rel_path == page.file), None)
        if bf is not None:
            facts.jpeg_grid = jpeg_grid(bf, page, [ln.bbox for t in texts for ln in t.lines])
        pages.append(page.model_copy(update={"facts": facts}))
    docs = []
    for doc in ctx.documents:
        seals = [s if s.ink is not None or (doc.file, s.page) not in images
                 else with_ink(images[(doc.file, s.page)], s) for s in doc.seals]
        docs.append(doc.model_copy(update={"seals": seals}))
    return ctx.model_copy(update={"pages": pages, "documents": docs})
