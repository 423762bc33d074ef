"""Fields read right on a phone photo of a form whose paper lies turned a few degrees
on the table (issue 10): a long line then climbs past the next row, so rows and columns
are compared in the frame of the text (extractors/layout.region_skew), not on the
page's axis-aligned boxes. Rendered by the generator, photographed by its phone_photo,
read by the real OCR engine. No mocks."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from extractors import extract_document
from pipeline.types import DocType, Document, PageText, Region


@pytest.fixture(scope="module")
def engine():
    from models.ocr import get_engine

    return get_engine("rapidocr")


def _photographed(engine: Any, variant: str, profile: str, seed: int, tilt: float) -> tuple[dict, dict, dict]:
    from pipeline.samples.degrade import phone_photo
    from pipeline.samples.documents import build_doc, render_pages
    from pipeline.samples.people import make_person

    rng = random.Random(seed)
    spec = build_doc("recommendation_form", make_person(rng), rng, profile, variant)
    img = phone_photo(render_pages(spec)[0], rng, tilt=tilt)
    lines = engine.read(np.asarray(img))
    text = PageText(file="t", page=1, region=Region(bbox=(0, 0, img.width, img.height)), lines=lines,
                    engine=engine.name)
    doc = Document(file="t", pages=[1], type=DocType.RECOMMENDATION_FORM, type_confidence=1.0, texts=[text])
    fields = extract_document(doc).fields
    return spec.fields, {k: v.value for k, v in fields.items()}, {k: v.bbox for k, v in fields.items()}


@pytest.mark.parametrize(("variant", "profile", "seed", "tilt", "keys"), [
    ("org", "gd-org-filing", 3, 6.0, ("org_name", "uscc", "address", "occupations", "legal_representative")),
    ("org", "gd-org-filing", 8, -6.5, ("org_name", "uscc", "address", "occupations", "legal_representative")),
    ("sc-exam", "sc-examiner", 5, 6.5, ("name", "id_number", "employer", "phone", "occupations")),
])
def test_form_fields_on_a_tilted_phone_photo(engine, variant: str, profile: str, seed: int, tilt: float,
                                             keys: tuple[str, ...]) -> None:
    truth, got, boxes = _photographed(engine, variant, profile, seed, tilt)
    wrong = {k: (truth[k], got.get(k)) for k in keys if got.get(k) != truth[k]}
    assert not wrong, wrong
    # Evidence boxes stay on the page as photographed (not the deskewed frame).
    for k in keys:
        x0, y0, x1, y1 = boxes[k]
        assert 0 <= x0 < x1 <= 2000 and 0 <= y0 < y1 <= 2000
