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


# OCR lines (text, box) of page 1 of a generated 考评员资格申报表 in a merged PDF: its work
# summary's last line, "/高级工职业技能等级证书,2022年取得…。", is short and sits near the middle.
FORM_PAGE_LINES = [
    ("四川省技能人才评价考评员资格申报表", (368, 170, 1287, 225)),
    ("填表日期:2026年5月28日", (1161, 278, 1528, 319)),
    ("姓名", (203, 388, 295, 449)),
    ("高春妍", (373, 389, 495, 448)),
    ("性别", (649, 383, 748, 450)),
    ("女", (828, 391, 886, 446)),
    ("年龄", (967, 386, 1060, 448)),
    ("34", (1140, 391, 1202, 444)),
    ("身份证号码", (165, 493, 339, 542)),
    ("510108199112038060", (378, 498, 711, 539)),
    ("照片", (1355, 518, 1412, 618)),
    ("联系手机", (177, 592, 326, 644)),
    ("19146418723", (378, 595, 588, 639)),
    ("文化程度", (733, 588, 885, 647)),
    ("大学本科", (929, 588, 1083, 647)),
    ("工作单位", (177, 692, 326, 744)),
    ("成都众诚职业技能评价有限公司", (382, 697, 837, 738)),
    ("联系地址", (181, 806, 327, 857)),
    ("四川省成都市成华区科技北路113号黄", (391, 793, 927, 830)),
    ("专业技术", (1001, 785, 1148, 837)),
    ("副教授", (1202, 804, 1322, 863)),
    ("埔家园3栋1103房", (384, 828, 649, 881)),
    ("职称", (1026, 819, 1126, 888)),
    ("所在地区", (179, 936, 327, 987)),
    ("成都市", (381, 934, 501, 993)),
    ("职业资格", (1001, 916, 1148, 967)),
    ("证书", (1028, 954, 1125, 1016)),
    ("美发师三级/高级工", (1210, 941, 1489, 984)),
    ("申报考评", (176, 1024, 329, 1086)),
    ("美发师", (381, 1049, 501, 1107)),
    ("职业工种", (179, 1070, 329, 1127)),
    ("本人2014年8月参加工作,先后在成都众诚职业技能评价有限公司培训部", (458, 1147, 1485, 1190)),
    ("从事美发师相关技术工作和管理工作,至今已有12年。2019年取得美发师三级", (397, 1203, 1500, 1239)),
    ("/高级工职业技能等级证书,2022年取得副教授专业技术资格。", (398, 1253, 1267, 1290)),
    ("工作简介", (226, 1299, 282, 1482)),
    ("本人参加培训前认真阅读相关文件规定,郑重承诺所填写信息及提供的资", (458, 1668, 1490, 1711)),
    ("料真实有效,符合考评员申报条件,知晓培训考核方式、资格审核及相关要求,", (394, 1720, 1502, 1761)),
    ("如提供虚假资料,所有不利后果由本人承担。", (395, 1771, 1025, 1813)),
    ("承诺声明", (226, 1721, 282, 1910)),
    ("承诺人(本人签名):高春妍2026年5月28日", (837, 1887, 1467, 1930)),
]


def test_a_centred_last_line_of_prose_is_no_title() -> None:
    """A paragraph's short last line that names a certificate is body text, not the title
    of a second document: the form page stays whole (it was cut into a form and a
    skill certificate, and the form lost its work summary and its seal)."""
    from pipeline.segment import split_by_content
    from pipeline.types import OcrLine

    lines = [OcrLine(text=t, confidence=0.99, bbox=tuple(float(v) for v in b)) for t, b in FORM_PAGE_LINES]
    assert split_by_content(lines, 0.0, 2339.0) == [(0.0, 2339.0)]
