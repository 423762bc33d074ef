"""Every document type, rendered by the sample generator and scanned, is read by the real
OCR engine and classified right; the photo is told by its face."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from models.face import get_face_detector
from pipeline.classify import classify_region
from pipeline.samples.degrade import scan
from pipeline.samples.documents import render_document
from pipeline.samples.people import make_person
from pipeline.samples.photos import make_id_photo
from pipeline.types import DocType

TEXT_TYPES = [
    ("id_card", "front"), ("id_card", "back"), ("diploma", None), ("degree", None),
    ("skill_certificate", None), ("title_certificate", None), ("examiner_card", None),
    ("work_certificate", None), ("recommendation_form", None), ("business_license", None),
    ("application_letter", None),
]


def _classify(image, engine):
    arr = np.asarray(image.convert("RGB"))
    lines = engine.read(arr)
    faces = get_face_detector().detect(arr)
    return classify_region(lines, (arr.shape[1], arr.shape[0]), faces)


@pytest.mark.parametrize(("doc_type", "variant"), TEXT_TYPES)
def test_each_type_is_classified(doc_type: str, variant: str | None, engine) -> None:
    rng = random.Random(zlib.crc32(f"{doc_type}-{variant}".encode()))
    person = make_person(rng)
    image = scan(render_document(doc_type, person, rng, variant=variant), rng)
    cls = _classify(image, engine)
    assert cls.type == DocType(doc_type), (cls.type, cls.scores, cls.cues)
    assert cls.confidence >= 0.6
    assert cls.cues  # the evidence of the decision is kept


def test_photo_is_classified_by_its_face(engine) -> None:
    cls = _classify(make_id_photo(seed=7), engine)
    assert cls.type == DocType.PHOTO
    assert cls.confidence >= 0.6


def test_unrelated_text_is_other_not_forced_into_a_type(engine) -> None:
    rng = random.Random(5)
    image = render_document("other", make_person(rng), rng)
    cls = _classify(image, engine)
    assert cls.type == DocType.OTHER
    assert cls.confidence <= 0.6


def test_blank_page_is_other_with_low_confidence() -> None:
    cls = classify_region([], (1654, 2339), [])
    assert cls.type == DocType.OTHER and cls.confidence < 0.5
