"""Seals on the documents that must bear one: SEAL_MISSING and SEAL_SUSPICIOUS.

Which documents: the profile's `sealed` list, plus (contract profiles.md, common rules)
every document an organisation issues or signs: work certificate, recommendation form,
application letter; and, in organisation profiles, the business licence (the
registration authority's seal).

Seals come from `doc.seals` (detected on the page by `pipeline.seals.detect_seals` in
the runner). Where a document has none and its page image is at hand, detection is run
here on the document's regions before concluding the seal is missing, so the check is
right whether or not the runner filled `doc.seals`.

SEAL_MISSING is less certain on a grey photocopy (a red seal turned grey is found only
when its ring is strong) and on poorly read pages. SEAL_SUSPICIOUS: ink of one flat
colour (a seal pasted in digitally: stamped ink varies with pressure), or a black seal
on a colour scan.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.messages import DOC_TYPE_NAMES
from pipeline.seals import detect_seals, ink_stats, is_grey, seal_in_region
from pipeline.types import DocType, Document, Finding, Seal, Severity
from validators.base import ApplicantContext

ALWAYS_SEALED = {DocType.WORK_CERTIFICATE, DocType.RECOMMENDATION_FORM, DocType.APPLICATION_LETTER}
# Robust spread (1.4826 x MAD) of the lightness of the ink's stroke cores. Measured on the
# generator's seals: stamped 11.9-16.3 (clean, scanned, JPEG); pasted flat colour 0-5.9
# (after JPEG q75 or a scan).
FLAT_INK_SPREAD = 8.0
MIN_INK_PIXELS = 400  # fewer stroke-core pixels than this: too little ink to judge flatness


def sealed_types(ctx: ApplicantContext) -> set[DocType]:
    types = set(ctx.profile.sealed) | ALWAYS_SEALED
    if ctx.profile.subject == "organisation":
        types.add(DocType.BUSINESS_LICENSE)
    return types


@functools.lru_cache(maxsize=8)
def _load(path: str, stamp: tuple[int, int]) -> np.ndarray | None:
    """A page image, decoded once for the checks of one document (keyed by mtime, size)."""
    try:
        return np.asarray(Image.open(path).convert("RGB"))
    except OSError:
        return None


def _page_image(ctx: ApplicantContext, doc: Document, number: int) -> np.ndarray | None:
    page = ctx.page(doc.file, number)
    if page is None:
        return None
    try:
        st = Path(page.image_path).stat()
    except OSError:
        return None
    return _load(page.image_path, (st.st_mtime_ns, st.st_size))


def _regions(doc: Document) -> list[tuple[int, tuple[float, float, float, float] | None]]:
    """(page, region bbox) of every part of the document; whole pages when unknown."""
    parts = [(t.page, t.region.bbox) for t in doc.texts]
    seen = {p for p, _ in parts}
    parts += [(p, None) for p in doc.pages if p not in seen]
    return parts


def _detect_here(ctx: ApplicantContext, doc: Document) -> list[Seal]:
    """Seals on the document's regions, for when the runner has not filled doc.seals."""
    found: list[Seal] = []
    for number, bbox in _regions(doc):
        image = _page_image(ctx, doc, number)
        if image is None:
            continue
        seals = detect_seals(image, number)
        found.extend(seals if bbox is None else seal_in_region(seals, bbox))
    return found


def _quality(ctx: ApplicantContext, doc: Document) -> tuple[bool, bool, bool]:
    """(any page grey, any page poorly read, page images available)."""
    grey = False
    have = False
    for number in doc.pages:
        image = _page_image(ctx, doc, number)
        if image is not None:
            have = True
            grey = grey or is_grey(image)
    lines = [ln for t in doc.texts for ln in t.lines]
    poor = bool(lines) and float(np.mean([ln.confidence for ln in lines])) < 0.75
    return grey, poor or doc.type_confidence < 0.6, have


def _suspicious(ctx: ApplicantContext, doc: Document, seal: Seal) -> Finding | None:
    image = _page_image(ctx, doc, seal.page)
    if image is None or seal.bbox is None:
        return None
    grey_page = is_grey(image)
    name = DOC_TYPE_NAMES.get(doc.type.value, doc.type.value)
    ref = f"{doc.file}#{seal.page}"
    if seal.color in ("black", "other") and not grey_page:
        colour = "黑色" if seal.color == "black" else "非红/蓝色"
        return Finding(code="SEAL_SUSPICIOUS", severity=Severity.WARNING, confidence=0.6,
                       subject=doc.type.value, message=f"{name}上的印章为{colour}（彩色扫描件），请核对是否为原印",
                       documents=[ref], expected="red", found=seal.color)
    stats = ink_stats(image, seal)
    if stats["pixels"] >= MIN_INK_PIXELS and stats["std"] < FLAT_INK_SPREAD:
        conf = 0.75 if stats["std"] < FLAT_INK_SPREAD / 2 else 0.55
        return Finding(code="SEAL_SUSPICIOUS", severity=Severity.WARNING, confidence=conf,
                       subject=doc.type.value, message=f"{name}上的印章颜色完全均匀，疑似电子粘贴",
                       documents=[ref], expected=f"ink spread >= {FLAT_INK_SPREAD}",
                       found=round(stats["std"], 2))
    return None


def check(ctx: ApplicantContext) -> list[Finding]:
    findings: list[Finding] = []
    must = sealed_types(ctx)
    for doc in ctx.documents:
        if doc.type not in must:
            continue
        seals = doc.seals or _detect_here(ctx, doc)
        if not seals:
            grey, poor, have = _quality(ctx, doc)
            conf = 0.9
            if grey:
                conf = 0.7  # no colour: a faint red seal photocopied grey may be missed
            if poor:
                conf -= 0.15
            if not have:
                conf = min(conf, 0.5)  # no page image: we could not look ourselves
            name = DOC_TYPE_NAMES.get(doc.type.value, doc.type.value)
            findings.append(Finding(
                code="SEAL_MISSING", severity=Severity.ERROR, confidence=round(conf, 3),
                subject=doc.type.value, message=f"{name}未见单位印章" + ("（灰度复印件，红章可能难以识别）" if grey else ""),
                documents=[doc.ref], expected="seal", found=None,
            ))
            continue
        for seal in seals:
            f = _suspicious(ctx, doc, seal)
            if f is not None:
                findings.append(f)
    return findings
