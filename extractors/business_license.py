"""营业执照 / 事业单位法人证书 / 民办非企业单位登记证书: a two-column key/value page whose
OCR lines may run across both columns (`…教育咨住所广东省…`), so labels are also looked
for inside lines; the USCC is checked with its GB 32100 check character."""

from __future__ import annotations

import re

from extractors import normalize as nz
from extractors.common import Spec, put, read_fields, stop_pattern
from extractors.layout import DocLayout, Hit, field_value
from pipeline.types import Document, FieldValue

SPECS = (
    # a label spread over its column (名        称) may come back as its last glyph alone
    Spec("org_name", ["名称", "单位名称", "机构名称", "组织名称", "名(?=$|:)", "称(?=$|:)"], "org"),
    Spec("org_type", ["类型", "单位类型", "机构类型", "组织类型"], "org_type"),
    Spec("legal_representative", ["法定代表人", "负责人", "法人代表"], "name"),
    Spec("established_date", ["成立日期", "注册日期", "登记日期"], "date"),
)
OTHER = ["注册资本", "开办资金", "营业期限", "有效期", "经营范围", "宗旨和业务范围", "业务范围", "住所", "登记机关",
         "举办单位", "业务主管单位"]


def _uscc(lay: DocLayout) -> FieldValue | None:
    best = None
    for ln in lay.lines:
        t = ln.text.replace(" ", "")
        for m in re.finditer(r"[0-9A-Z]{18}", t.upper()):
            got = nz.normalize_uscc(m.group(0))
            if got and (best is None or got[1] > best[1]):
                best = (got[0], got[1], ln, "信用代码" in t)
    if best is None:
        return None
    return field_value(best[0], [best[2]], best[1] * (1.0 if best[3] else 0.9))


# 住 of a spread 住  所 lost by the OCR, 所 read into the value's box: an address follows.
_LOST_HEAD = re.compile(r"^[所址](?=[\u4e00-\u9fff]{2,}.*(?:省|市|区|县|镇|路|街|道|号))")


def _address_after_lost_glyph(lay: DocLayout, stop: re.Pattern[str]) -> Hit | None:
    """An address whose label kept only its last glyph, glued to the value (所佛山市禅城区…)."""
    for ln in lay.lines:
        if _LOST_HEAD.match(ln.text):
            return next(lay.hits_at(ln, 1, stop, multiline=True, below=False), None)
    return None


def extract(doc: Document) -> dict[str, FieldValue]:
    lay = DocLayout(doc)
    labels = [lb for s in SPECS for lb in s.labels] + OTHER
    fields = read_fields(lay, SPECS, OTHER)
    put(fields, "uscc", _uscc(lay))
    stop = stop_pattern([lb for lb in labels if lb != "住所"])
    hit = (lay.value(["住所", "地址"], stop, multiline=True) or lay.value(["住所"], stop, multiline=True, anywhere=True)
           or lay.value(["所(?=$|:)", "址(?=$|:)"], stop, multiline=True))  # 住/地 of a spread label lost
    if hit is None:
        hit = _address_after_lost_glyph(lay, stop)
    if hit is not None:
        t = re.sub(r"^[\s:]+", "", hit.text)
        if t:
            fields["address"] = field_value(t, hit.lines, 1.0 if len(t) >= 8 else 0.6)
    if "established_date" not in fields:
        hit = lay.value(["营业期限", "有效期"], stop, join_row=True)
        if hit is not None:
            got = nz.parse_date(hit.text)
            if got:
                fields["established_date"] = field_value(got[0], hit.lines, got[1] * 0.8)
    return fields
