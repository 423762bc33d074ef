"""What every extractor shares: label tables, value converters by kind, and the
label-driven reading of a document's key/value fields.

A field is described once (`Spec`: key, labels, kind); the converter of its kind turns
the text found beside the label into the contract's value and a validation quality, so
the confidence of a field says both "OCR read it clearly" and "it is a valid value".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from extractors import normalize as nz
from extractors.layout import DocLayout, Hit, Line, field_value
from pipeline.types import FieldValue

Converter = Callable[[str], "tuple[object, float] | None"]

# Labels of the person fields, longest spellings first where one is a prefix of another.
NAME = ["姓名"]
GENDER = ["性别"]
ETHNICITY = ["民族"]
BIRTH = ["出生日期", "出生年月", "出生年月日", "出生"]
ID_NUMBER = ["公民身份号码", "身份证件号码", "身份证号码", "身份证号", "证件号码", "身份号码"]
ADDRESS = ["住址", "家庭住址", "联系地址", "通信地址(?:及邮编)?", "通讯地址", "户籍地址"]
CERT_NO = ["证书编号", "证书号码", "证书号", "编号"]


@dataclass(frozen=True)
class Spec:
    """How to find one field: labels (regex, matched at a line start) and a kind."""

    key: str
    labels: Sequence[str]
    kind: str = "text"
    multiline: bool = False
    anywhere: bool = False


def _text(s: str) -> tuple[object, float] | None:
    t = re.sub(r"^[\s:;,.、]+|[\s:;,、]+$", "", s)
    t = t.replace("部内", "部门")  # a steady misreading of the recogniser (部门 -> 部内)
    return (t, 1.0) if t else None


def _name(s: str) -> tuple[object, float] | None:
    t = nz.clean_name(s)
    if nz.is_name(t):
        return t, 1.0
    m = re.match(rf"[{nz.CJK}·]{{2,4}}", t)
    if m and len(t) > 4:
        return None  # a sentence, not a name
    return (t, 0.4) if t else None


def _gender(s: str) -> tuple[object, float] | None:
    g = nz.gender(s)
    return (g, 1.0) if g else None


ETHNIC_GROUPS = frozenset(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split())


def _ethnicity(s: str) -> tuple[object, float] | None:
    t = re.sub(r"[^\u4e00-\u9fff]", "", s)
    t = t[:-1] if t.endswith("族") and len(t) > 1 else t
    if t in ETHNIC_GROUPS:
        return t, 1.0
    return (t, 0.3) if t and len(t) <= 4 and not re.search("[年月日]", t) else None


def _date(s: str) -> tuple[object, float] | None:
    return nz.parse_date(s)


def _id(s: str) -> tuple[object, float] | None:
    got = nz.find_id(s)
    if got:
        return got[0], got[1]
    return nz.normalize_id(s)


ORG_END = r"(?:公司|学院|大学|学校|局|厅|中心|协会|学会|院|所|会|部|委员会|办公室)"


_EDGE_PUNCT = re.compile(r"^[\s:;,.、]+|[\s:;,.、]+$")


def _org(s: str) -> tuple[object, float] | None:
    t = _EDGE_PUNCT.sub("", s)
    # a seal's inner line read into the name's line: …保障厅职称评审专用章
    m = re.match(rf"(.+{ORG_END})[\u4e00-\u9fff]{{0,10}}(?:专用章?|公章|印章)$", t)
    t = m.group(1) if m else t
    if len(t) < 3:
        return None  # a seal fragment (州, 公司), not a name
    return nz.cjk_punct(t), 1.0 if re.search(r"(公司|学院|大学|学校|局|厅|中心|协会|学会|院|所|会)$", t) else 0.8


# The kinds of organisation a licence or code certificate names (机构类型/类型): short ones
# (机关, 事业单位) are whole values, not seal fragments.
ORG_TYPE_WORDS = re.compile(r"(公司|企业|机关|单位|团体|组织|合作社|个体工商户|基金会|律师事务所|\))$")


def _org_type(s: str) -> tuple[object, float] | None:
    t = _EDGE_PUNCT.sub("", s)
    if len(t) < 2:
        return None
    return nz.cjk_punct(t), 1.0 if ORG_TYPE_WORDS.search(t) else 0.8


def _phone(s: str) -> tuple[object, float] | None:
    return nz.phone(s)


def _email(s: str) -> tuple[object, float] | None:
    return nz.email(s)


def _skill(s: str) -> tuple[object, float] | None:
    lvl = nz.skill_level(s)
    return (lvl, 1.0) if lvl else None


def _education(s: str) -> tuple[object, float] | None:
    return nz.education_level(s)


def _political(s: str) -> tuple[object, float] | None:
    return nz.political_status(s)


def _address(s: str) -> tuple[object, float] | None:
    t = re.sub(r"^[\s:;,.、]+|[\s:;,.、]+$", "", s).replace(" ", "")
    return (t, 1.0 if len(t) >= 6 else 0.6) if t else None


def _code(s: str) -> tuple[object, float] | None:
    t = re.sub(r"[\s:]", "", s)
    m = re.search(r"[0-9A-Z][0-9A-Z\-]{5,29}", t)
    return (m.group(0), 1.0) if m else None


CONVERTERS: dict[str, Converter] = {
    "text": _text, "name": _name, "gender": _gender, "ethnicity": _ethnicity, "date": _date, "id": _id,
    "org": _org, "org_type": _org_type, "phone": _phone, "email": _email, "skill": _skill, "education": _education,
    "political": _political, "address": _address, "code": _code,
}
JOIN_ROW = {"id", "date", "code", "phone"}


def stop_pattern(labels: Iterable[str]) -> re.Pattern[str]:
    """Any label of the document: a value ends where another label starts."""
    alts = sorted({lb for lb in labels if len(lb.replace("\\", "")) >= 2}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{a})" for a in alts))


INLINE_SHORT = ["姓名", "性别", "民族", "出生", "住址"]


def inline_pattern(labels: Iterable[str]) -> re.Pattern[str]:
    """Labels that may cut a value inside its own OCR line (`性别男民族汉`): long ones,
    the ID card's short ones, and any label written with a colon. Short words such as
    职业 or 专业 occur inside values (广东省职业技能服务指导中心) and must not cut them."""
    alts = {lb for lb in labels if len(lb.replace("\\", "")) >= 4} | set(INLINE_SHORT)
    alts |= {f"{lb}:" for lb in labels if len(lb.replace("\\", "")) >= 2}
    return re.compile("|".join(f"(?:{a})" for a in sorted(alts, key=len, reverse=True)))


def read_fields(lay: DocLayout, specs: Sequence[Spec], extra_labels: Iterable[str] = ()) -> dict[str, FieldValue]:
    """Every spec'd field found beside its label, converted and scored."""
    labels = [lb for s in specs for lb in s.labels] + list(extra_labels)
    stop = stop_pattern(labels)
    inline = inline_pattern(labels)
    out: dict[str, FieldValue] = {}
    for spec in specs:
        if spec.key in out:
            continue
        got = read_one(lay, spec, stop, inline)
        if got is None:
            got = read_misread_label(lay, spec, labels, stop, inline)
        if got is not None:
            out[spec.key] = got
    return out


MISREAD_LABEL_MIN = 4  # shorter labels are too alike (姓名/性别) to allow a slip
MISREAD_LABEL_QUALITY = 0.9
_PLAIN = re.compile(r"[\u4e00-\u9fff]+")


def _slips(a: str, b: str) -> int:
    """Characters that differ between two strings of the same length."""
    return sum(x != y for x, y in zip(a, b, strict=True))


def misread_label_lines(lay: DocLayout, label: str, known: Sequence[str]) -> list[tuple[Line, int]]:
    """Label cells read with one character wrong (机桐名称 for 機構名稱 in a traditional
    font, 联系电括): a line that is the label, with one slip and nothing else but a colon,
    and that is nearer to this label than to every other label of the document. Returns
    (line, end of the label in its text)."""
    if not _PLAIN.fullmatch(label) or len(label) < MISREAD_LABEL_MIN:
        return []
    others = [k for k in known if k != label and _PLAIN.fullmatch(k) and len(k) == len(label)]
    n = len(label)
    out = []
    for ln in lay.lines:
        text = ln.text
        if len(text) < n or (len(text) > n and text[n] != ":") or len(text) > n + 1:
            continue
        head = text[:n]
        if _slips(head, label) != 1 or any(_slips(head, k) <= 1 for k in others):
            continue
        out.append((ln, n))
    return out


def read_misread_label(lay: DocLayout, spec: Spec, known: Sequence[str], stop: re.Pattern[str],
                       inline: re.Pattern[str] | None = None) -> FieldValue | None:
    """A field whose label was not found as printed, found beside a label cell read with
    one slip (see `misread_label_lines`), at a little less confidence."""
    for label in spec.labels:
        for ln, end in misread_label_lines(lay, label, known):
            hits = lay.hits_at(ln, end, stop, multiline=spec.multiline, join_row=spec.kind in JOIN_ROW, inline=inline)
            got = first_converted(hits, spec.kind, MISREAD_LABEL_QUALITY)
            if got is not None:
                return got
    return None


def read_one(lay: DocLayout, spec: Spec, stop: re.Pattern[str], inline: re.Pattern[str] | None = None) -> FieldValue | None:
    return first_converted(lay.hits(spec.labels, stop, multiline=spec.multiline, join_row=spec.kind in JOIN_ROW,
                                    anywhere=spec.anywhere, inline=inline), spec.kind)


def first_converted(hits: Iterable[Hit], kind: str, factor: float = 1.0) -> FieldValue | None:
    """The first candidate that the converter of `kind` accepts, scored by both."""
    conv = CONVERTERS[kind]
    for hit in hits:
        got = conv(hit.text)
        if got is not None:
            value, quality = got
            return field_value(value, hit.lines, quality * hit.quality * factor)
    return None


def from_hit(hit: Hit | None, kind: str) -> FieldValue | None:
    """Convert a prose hit with the converter of `kind`."""
    if hit is None:
        return None
    got = CONVERTERS[kind](hit.text)
    if got is None:
        return None
    return field_value(got[0], hit.lines, got[1] * hit.quality)


def put(fields: dict[str, FieldValue], key: str, fv: FieldValue | None) -> None:
    """Set a field unless it is already known with a higher confidence."""
    if fv is None:
        return
    old = fields.get(key)
    if old is None or fv.confidence > old.confidence + 0.05:
        fields[key] = fv


def id_anywhere(lay: DocLayout) -> FieldValue | None:
    """An ID number read anywhere in the document (when its label was lost)."""
    best: tuple[str, float, list[Line]] | None = None
    for ln in lay.lines:
        got = nz.find_id(ln.text)
        if got and (best is None or got[1] > best[1]):
            best = (got[0], got[1], [ln])
    if best is None or best[1] < 0.5:
        return None
    return field_value(best[0], best[2], best[1] * 0.95)


def last_date_line(lay: DocLayout, exclude: Sequence[str] = ()) -> FieldValue | None:
    """The date written alone on a line lowest in the document (a letter's or form's
    signing date), e.g. `2026年3月5日` or `二〇二四年六月三十日`."""
    best: tuple[int, int, float, str, float, Line] | None = None
    for ln in lay.lines:
        if any(x in ln.text for x in exclude):
            continue
        found = nz.find_dates(ln.text)
        if len(found) != 1:
            continue
        d = found[0]
        rest = (ln.text[: d.start] + ln.text[d.end:]).strip(" :,.")
        if len(rest) > 2:
            continue
        key = (ln.page, ln.region, ln.bbox[1])
        if best is None or key > best[:3]:
            best = (*key, d.value, d.quality, ln)
    if best is None:
        return None
    return field_value(best[3], [best[5]], best[4])


def lost_head(lay: DocLayout, tail: str, kind: str, quality: float = 0.7) -> FieldValue | None:
    """A letter-spaced label whose lone first character OCR dropped (姓 of `姓  名`): the
    box of its second character and the value remains, `名唐胜琛`, `别男`. Only a whole
    line that converts to a valid value of `kind` counts, at a lower confidence."""
    for ln in lay.lines:
        m = re.fullmatch(rf"{tail}\s*:?\s*(\S+)", ln.text)
        if not m:
            continue
        got = CONVERTERS[kind](m.group(1))
        if got is not None and got[1] >= 1.0:
            return field_value(got[0], [ln], quality)
    return None
