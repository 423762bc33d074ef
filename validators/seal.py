"""Seals on the documents that must bear one: SEAL_MISSING and SEAL_SUSPICIOUS.

Which documents: the profile's `sealed` list, plus (contract profiles.md, common rules)
every document an organisation issues or signs: work certificate, recommendation form,
application letter; and, in organisation profiles, the business licence (the
registration authority's seal).

Seals come from `doc.seals` (detected on the page by `pipeline.seals.detect_seals` in
the runner). Where a document has none, the seals the reading stage found on the whole
page (`Page.facts`) are looked up on the document's regions before concluding the seal
is missing, so the check is right whether or not the runner filled `doc.seals`. Every
pixel fact (seals, ink statistics, grey page) is computed once by the reading stage
(pipeline.page_facts) and only read here: a warm re-run decodes no page.

SEAL_MISSING is less certain on a grey photocopy (a red seal turned grey is found only
when its ring is strong) and on poorly read pages. SEAL_SUSPICIOUS: ink of one flat
colour with a hard, un-blurred edge (a seal pasted in digitally: stamped ink varies with
pressure and bleeds into the paper), or a black seal on a colour scan.
"""

from __future__ import annotations

import numpy as np

from pipeline.context import ApplicantContext
from pipeline.messages import DOC_TYPE_NAMES
from pipeline.page_facts import has_image
from pipeline.seals import seal_in_region
from pipeline.types import DocType, Document, Finding, PageFacts, Seal, Severity

ALWAYS_SEALED = {DocType.WORK_CERTIFICATE, DocType.RECOMMENDATION_FORM, DocType.APPLICATION_LETTER}
# A pasted seal is told by two independent cues that must both hold, each scored from 0
# (clearly a stamp) to 1 (clearly pasted) between two bounds rather than cut at one value,
# since scanners, JPEG quality and ink pads move both:
# - flat ink: robust spread of the stroke cores' lightness, smoothed over the ink
#   (pipeline.seals.ink_stats). The generator's stamps 12-18, evenly inked stamps and
#   scans of other issuers' seals down to ~4.7; a pasted flat colour 2-3.2 after JPEG 60-95.
# - a hard edge: part-inked pixels per outline pixel. Stamps, scanned or photographed,
#   0.9-2.1 (ink bleed, optics); a pasted image with its alpha cut hard 0.1-0.55.
FLAT_SPREAD = (3.5, 6.0)  # spread at or below the first: 1; at or above the second: 0
HARD_EDGE = (0.6, 0.95)  # edge width likewise, for a seal of EDGE_REF_RADIUS px or more
# A stamp's blur is a fixed share of a millimetre: on a coarser image (a small seal) it
# covers fewer pixels and a real stamp's edge looks sharper, while a pasted edge is one
# step whatever the scale. So the edge bounds shrink with the seal's radius below ~180 dpi.
EDGE_REF_RADIUS = 150.0
MIN_PASTED_SCORE = 0.5  # report only when both cues are at least half way to clear
MIN_INK_PIXELS = 400  # fewer stroke-core pixels than this: too little ink to judge flatness


def _towards(value: float, clear: float, none: float) -> float:
    """0 at `none`, 1 at `clear`, linear between (clear < none)."""
    return float(np.clip((none - value) / (none - clear), 0.0, 1.0))


def pasted_score(stats: dict[str, float], radius: float = EDGE_REF_RADIUS) -> float:
    """How clearly a seal's ink looks pasted in (0-1): the weaker of the two cues, so one
    cue alone (an evenly inked stamp; a crisp small scan) never makes it suspicious.
    `radius`: the seal's in pixels, to scale the edge bounds."""
    if stats["pixels"] < MIN_INK_PIXELS or not np.isfinite(stats.get("edge_width", float("nan"))):
        return 0.0
    k = float(np.clip(radius / EDGE_REF_RADIUS, 0.4, 1.0))
    return min(_towards(stats["std"], *FLAT_SPREAD), _towards(stats["edge_width"], HARD_EDGE[0] * k, HARD_EDGE[1] * k))


def _radius(seal: Seal) -> float:
    assert seal.bbox is not None
    return max(seal.bbox[2] - seal.bbox[0], seal.bbox[3] - seal.bbox[1]) / 2


def sealed_types(ctx: ApplicantContext) -> set[DocType]:
    types = set(ctx.profile.sealed) | ALWAYS_SEALED
    if ctx.profile.subject == "organisation":
        types.add(DocType.BUSINESS_LICENSE)
    return types


def _facts(ctx: ApplicantContext, doc: Document, number: int) -> PageFacts | None:
    """The page's stored facts (pipeline.page_facts), while its image is on disk: a page
    whose image was lost is not looked at, as when this check decoded it itself."""
    page = ctx.page(doc.file, number)
    if page is None or page.facts is None or not has_image(page):
        return None
    return page.facts


def _regions(doc: Document) -> list[tuple[int, tuple[float, float, float, float] | None]]:
    """(page, region bbox) of every part of the document; whole pages when unknown."""
    parts = [(t.page, t.region.bbox) for t in doc.texts]
    seen = {p for p, _ in parts}
    parts += [(p, None) for p in doc.pages if p not in seen]
    return parts


def _found_here(ctx: ApplicantContext, doc: Document) -> list[Seal]:
    """Seals the reading stage found on the document's regions, for when doc.seals was
    not filled (a context built outside the runner)."""
    found: list[Seal] = []
    for number, bbox in _regions(doc):
        facts = _facts(ctx, doc, number)
        if facts is None:
            continue
        found.extend(facts.seals if bbox is None else seal_in_region(facts.seals, bbox))
    return found


def _quality(ctx: ApplicantContext, doc: Document) -> tuple[bool, bool, bool]:
    """(any page grey, any page poorly read, page images available)."""
    grey = False
    have = False
    for number in doc.pages:
        facts = _facts(ctx, doc, number)
        if facts is not None:
            have = True
            grey = grey or facts.grey
    lines = [ln for t in doc.texts for ln in t.lines]
    poor = bool(lines) and float(np.mean([ln.confidence for ln in lines])) < 0.75
    return grey, poor or doc.type_confidence < 0.6, have


def _ink(seal: Seal) -> dict[str, float] | None:
    """The seal's stored ink statistics as `pasted_score` takes them (None: not measured)."""
    if seal.ink is None:
        return None
    stats = seal.ink.model_dump()
    stats["edge_width"] = float("nan") if seal.ink.edge_width is None else seal.ink.edge_width
    return stats


def _suspicious(ctx: ApplicantContext, doc: Document, seal: Seal) -> Finding | None:
    facts = _facts(ctx, doc, seal.page)
    if facts is None or seal.bbox is None:
        return None
    grey_page = facts.grey
    name = DOC_TYPE_NAMES.get(doc.type.value, doc.type.value)
    ref = f"{doc.file}#{seal.page}"
    if seal.color in ("black", "other") and not grey_page:
        colour = "黑色" if seal.color == "black" else "非红/蓝色"
        return Finding(code="SEAL_SUSPICIOUS", severity=Severity.WARNING, confidence=0.6,
                       subject=doc.type.value, message=f"{name}上的印章为{colour}（彩色扫描件），请核对是否为原印",
                       documents=[ref], expected="red", found=seal.color)
    stats = _ink(seal)
    if stats is None:
        return None
    score = pasted_score(stats, _radius(seal))
    if score >= MIN_PASTED_SCORE:
        return Finding(code="SEAL_SUSPICIOUS", severity=Severity.WARNING, confidence=round(0.45 + 0.35 * score, 3),
                       subject=doc.type.value, message=f"{name}上的印章颜色完全均匀且边缘生硬，疑似电子粘贴",
                       documents=[ref], expected=f"ink spread >= {FLAT_SPREAD[1]}, edge width >= {HARD_EDGE[1]}",
                       found=f"ink spread {stats['std']:.2f}, edge width {stats['edge_width']:.2f}")
    return None


def check(ctx: ApplicantContext) -> list[Finding]:
    findings: list[Finding] = []
    must = sealed_types(ctx)
    for doc in ctx.documents:
        if doc.type not in must:
            continue
        seals = doc.seals or _found_here(ctx, doc)
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
