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


def _lines(texts: list[str]) -> list:
    from pipeline.types import OcrLine

    return [OcrLine(text=t, confidence=0.99, bbox=(100, 60 * i, 100 + 30 * len(t), 60 * i + 40))
            for i, t in enumerate(texts)]


def test_a_certificate_claimed_only_by_prose_is_prose_made() -> None:
    """A form's next page: the summary's last line is short (职业技能等级证书。) but ends a
    sentence, so it is prose, not a title or label; a real certificate's labels are not."""
    from pipeline.classify import prose_made

    form_page = _lines([
        "理论知识考试和操作技能考核。多年来承担单位新员工入职培训和岗位练兵工",
        "作，按照国家职业技能标准组织理论教学和实操训练，所带学员多人取得相应",
        "职业技能等级证书。",
        "承诺声明", "本人参加培训前认真阅读相关文件规定，郑重承诺所填写信息及提供的资",
        "同意推荐。", "推荐单位意见", "单位（盖章）", "2026年3月12日",
    ])
    cert = _lines(["职业技能等级证书", "姓名：张三", "职业名称：电工", "技能等级：四级/中级工",
                   "证书编号：S000051000000123456", "发证日期：2024年11月22日", "发证机关：四川省人力资源和社会保障厅"])
    assert prose_made(form_page, DocType.SKILL_CERTIFICATE, 600)
    assert not prose_made(cert, DocType.SKILL_CERTIFICATE, 420)
