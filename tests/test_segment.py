"""Long images split into their documents; a two-sided ID photocopy yields two regions;
an ordinary page stays whole."""

from __future__ import annotations

import random

import numpy as np

from pipeline.samples.documents import build_doc, render_document, render_pages
from pipeline.samples.packaging import id_both_sides, long_image
from pipeline.samples.people import make_person
from pipeline.segment import segment_page


def _arr(img) -> np.ndarray:
    return np.asarray(img.convert("RGB"))


def test_long_image_splits_into_its_documents() -> None:
    rng = random.Random(11)
    p = make_person(rng)
    pages = [render_document("degree", p, rng), render_pages(build_doc("recommendation_form", p, rng))[0],
             render_document("work_certificate", p, rng)]
    img = _arr(long_image(pages, rng))
    regions = segment_page(img)
    assert [r.kind for r in regions] == ["long_image_part"] * 3
    # Each part lies where its page was stacked, top to bottom, without overlap.
    assert all(a.bbox[3] <= b.bbox[1] for a, b in zip(regions, regions[1:], strict=False))
    heights = [r.bbox[3] - r.bbox[1] for r in regions]
    assert heights[0] < heights[1]  # the landscape degree is shorter than the A4 form


def test_two_sided_id_copy_yields_two_regions() -> None:
    rng = random.Random(12)
    p = make_person(rng)
    page = id_both_sides(render_document("id_card", p, rng, variant="front"),
                         render_document("id_card", p, rng, variant="back"), rng)
    regions = segment_page(_arr(page))
    assert [r.kind for r in regions] == ["id_side", "id_side"]
    for r in regions:
        w, h = r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]
        assert 1.4 < w / h < 1.8  # card-shaped


def test_ordinary_pages_stay_whole() -> None:
    rng = random.Random(13)
    p = make_person(rng)
    for doc in ("work_certificate", "recommendation_form", "skill_certificate"):
        img = _arr(render_document(doc, p, rng))
        regions = segment_page(img)
        assert len(regions) == 1 and regions[0].kind == "page", doc
