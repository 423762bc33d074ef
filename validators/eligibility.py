"""The profile's eligibility rules: qualification level, examiner card held long enough,
age limit, years of work, length of the work summary, number of occupations declared.

A rule whose input could not be read gives FIELD_MISSING (warning, subject = the field)
instead of a false error: an unread level might be the qualifying one. An error's
confidence is that of the readings it rests on, lowered when a file of unknown type
might be the missing evidence, and (for the work summary) when the count falls so close
to the limit that a few characters missed by OCR could explain it.

Work summary length is counted as Chinese characters plus Latin letters and digits;
whitespace and punctuation do not count (a notice's "不少于200字" counts words written,
and OCR spacing and punctuation are the least reliable part of a reading).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pipeline.context import ApplicantContext
from pipeline.messages import SKILL_LEVEL_NAMES, field_name
from pipeline.types import DocType, Document, Finding, Severity
from validators.common import (
    age_at,
    applicant_birth,
    doc_label,
    finding,
    parse_date,
    present,
    roster_value,
    years_between,
)

TITLE_RANK = {"初级": 1, "中级": 2, "副高级": 3, "正高级": 4}
_SKILL_WORDS = {"一级": 1, "高级技师": 1, "二级": 2, "技师": 2, "三级": 3, "高级工": 3,
                "四级": 4, "中级工": 4, "五级": 5, "初级工": 5}
# An unread field: a human must look, but the rule is seldom broken behind it (on the
# generated benches most unread fields belonged to clean applicants).
MISSING_CONFIDENCE = 0.3
DOUBT_PER_UNTYPED = 0.15  # each file of unknown type might hold the missing evidence
NEAR_LIMIT = 0.75  # a summary counted above this share of the limit may be an OCR shortfall


def skill_level(value: Any) -> int | None:
    """1–5 from the contract's integer, or tolerantly from 三级 / 高级工 text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and 1 <= int(value) <= 5:
        return int(value)
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    for word in sorted(_SKILL_WORDS, key=len, reverse=True):
        if word in text:
            return _SKILL_WORDS[word]
    return None


def title_rank(value: Any) -> int | None:
    """1 初级 … 4 正高级; a bare 高级 is 副高级."""
    text = str(value).strip()
    for word in ("正高级", "副高级", "中级", "初级"):
        if word in text:
            return TITLE_RANK[word]
    if "高级" in text:
        return TITLE_RANK["副高级"]
    return None


def summary_length(text: str) -> int:
    """Chinese characters, letters and digits; no whitespace, no punctuation."""
    return sum(1 for ch in str(text) if unicodedata.category(ch)[0] in "LN")


def occupations(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[、,，;；/\n]+", str(value))
    return [str(x).strip() for x in items if str(x).strip()]


def _doubt(ctx: ApplicantContext) -> float:
    untyped = [d for d in ctx.documents if d.type == DocType.OTHER or d.type_confidence < 0.5]
    return max(0.5, 1 - DOUBT_PER_UNTYPED * len(untyped))


def _missing(doc: Document, key: str, why: str) -> Finding:
    return finding("FIELD_MISSING", Severity.WARNING, f"{doc_label(doc.type)}上未能读取{field_name(key)}，无法判断{why}",
                   MISSING_CONFIDENCE, subject=key, documents=[doc.ref])


def check(ctx: ApplicantContext) -> list[Finding]:
    return (_qualification(ctx) + _examiner_card(ctx) + _age(ctx) + _work_years(ctx)
            + _work_summary(ctx) + _occupations(ctx))


def _qualification(ctx: ApplicantContext) -> list[Finding]:
    q = ctx.profile.qualification
    if q is None or (q.skill_level_max is None and q.title_level_min is None):
        return []
    readings: list[tuple[Document, str, int | None, float]] = []  # doc, key, meets?, conf
    found: list[str] = []
    meets = False
    for doc in ctx.of_type(DocType.SKILL_CERTIFICATE):
        fv = doc.fields.get("skill_level")
        level = skill_level(fv.value) if fv is not None and present(fv.value) else None
        readings.append((doc, "skill_level", level, fv.confidence if fv and level else 0.0))
        if level is not None:
            found.append(SKILL_LEVEL_NAMES[level])
            meets |= q.skill_level_max is not None and level <= q.skill_level_max
    for doc in ctx.of_type(DocType.TITLE_CERTIFICATE):
        fv = doc.fields.get("title_level")
        rank = title_rank(fv.value) if fv is not None and present(fv.value) else None
        readings.append((doc, "title_level", rank, fv.confidence if fv and rank else 0.0))
        if rank is not None:
            found.append(f"{next(w for w, r in TITLE_RANK.items() if r == rank)}职称")
            meets |= q.title_level_min is not None and rank >= TITLE_RANK[q.title_level_min]
    if meets or not readings:
        return []  # no certificate at all is DOC_MISSING's finding
    unread = [(d, k) for d, k, v, _ in readings if v is None]
    if unread:
        return [_missing(d, k, "是否满足资格等级要求") for d, k in unread]
    wanted = []
    if q.skill_level_max is not None:
        wanted.append(f"{SKILL_LEVEL_NAMES[q.skill_level_max]}及以上职业技能等级")
    if q.title_level_min is not None:
        wanted.append(f"{q.title_level_min}及以上职称")
    conf = min(c for *_, c in readings) * _doubt(ctx)
    return [finding("LEVEL_INSUFFICIENT", Severity.ERROR,
                    f"所交证书（{'、'.join(found)}）未达到{'或'.join(wanted)}的要求", conf,
                    subject="skill_level", documents=[d.ref for d, *_ in readings],
                    expected="或".join(wanted), found="、".join(found))]


def _examiner_card(ctx: ApplicantContext) -> list[Finding]:
    """An examiner card issued at least `min_held_years` before the batch date; the
    earliest card counts, a month-only date as the 1st of its month (in the applicant's
    favour)."""
    need = ctx.profile.examiner_card.min_held_years
    cards = ctx.of_type(DocType.EXAMINER_CARD)
    if not need or not cards:
        return []
    issued = [(d, p, d.fields["issue_date"].confidence) for d in cards
              if "issue_date" in d.fields and (p := parse_date(d.fields["issue_date"].value))]
    if not issued:
        return [_missing(d, "issue_date", "持证年限") for d in cards]
    doc, (when, _), conf = min(issued, key=lambda x: x[1][0])
    held = years_between(when, ctx.batch_date)
    if held >= need:
        return []
    return [finding("LEVEL_INSUFFICIENT", Severity.ERROR,
                    f"考评员证发证日期 {when:%Y-%m-%d}，至审核日期持证仅 {max(held, 0):.1f} 年，不足 {need:g} 年",
                    conf, subject="examiner_card", documents=[doc.ref],
                    expected=f"持证满{need:g}年", found=f"{max(held, 0):.1f}年")]


def _age(ctx: ApplicantContext) -> list[Finding]:
    limit = ctx.profile.age_max
    if limit is None:
        return []
    birth = applicant_birth(ctx)
    if birth is None:
        return [finding("FIELD_MISSING", Severity.WARNING, "未能从身份证号或出生日期得出年龄，无法判断年龄条件",
                        MISSING_CONFIDENCE, subject="birth_date")]
    bdate, conf = birth
    age = age_at(bdate, ctx.batch_date)
    if age <= limit:
        return []
    return [finding("AGE_LIMIT", Severity.ERROR,
                    f"出生日期 {bdate.isoformat()}，审核日期时 {age} 岁，超过 {limit} 岁的上限", conf,
                    subject="age", expected=f"不超过{limit}岁", found=f"{age}岁")]


def _years(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.search(r"\d+(?:\.\d+)?", str(value))
    return float(m.group(0)) if m else None


def _work_years(ctx: ApplicantContext) -> list[Finding]:
    """Years stated on the work certificate; else counted from its start date."""
    need = ctx.profile.min_work_years
    certs = ctx.of_type(DocType.WORK_CERTIFICATE)
    if need is None or not certs:
        return []
    best: tuple[float, float, Document, str] | None = None  # years, conf, doc, how
    for doc in certs:
        fv = doc.fields.get("work_years")
        years = _years(fv.value) if fv is not None and present(fv.value) else None
        how = "证明所述"
        if years is None and "start_date" in doc.fields:
            fv = doc.fields["start_date"]
            start = parse_date(fv.value)
            years = years_between(start[0], ctx.batch_date) if start else None
            how = "按参加工作时间推算"
        if years is not None and fv is not None and (best is None or years > best[0]):
            best = (years, fv.confidence, doc, how)
    if best is None:
        return [_missing(d, "work_years", "工作年限条件") for d in certs]
    years, conf, doc, how = best
    if years >= need:
        return []
    return [finding("WORK_YEARS_INSUFFICIENT", Severity.ERROR,
                    f"工作年限（{how}）{years:.1f} 年，不足 {need:g} 年", conf, subject="work_years",
                    documents=[doc.ref], expected=f"不少于{need:g}年", found=f"{years:.1f}年")]


def _work_summary(ctx: ApplicantContext) -> list[Finding]:
    need = ctx.profile.work_summary_min_chars
    forms = ctx.of_type(DocType.RECOMMENDATION_FORM)
    if need is None or not forms:
        return []
    counted = [(summary_length(d.fields["work_summary"].value), d.fields["work_summary"].confidence, d)
               for d in forms if "work_summary" in d.fields and present(d.fields["work_summary"].value)]
    if not counted:
        return [_missing(d, "work_summary", "工作简历字数") for d in forms]
    n, conf, doc = max(counted, key=lambda x: x[0])
    if n >= need:
        return []
    share = n / need
    if share > NEAR_LIMIT:  # 0.75 -> x1.0 ... 1.0 -> x0.5: a few missed characters may explain it
        conf *= 1 - 2 * (share - NEAR_LIMIT)
    return [finding("WORK_SUMMARY_TOO_SHORT", Severity.ERROR,
                    f"工作简历约 {n} 字（不计空格和标点），少于要求的 {need} 字", conf,
                    subject="work_summary", documents=[doc.ref], expected=f"不少于{need}字", found=f"{n}字")]


def _occupations(ctx: ApplicantContext) -> list[Finding]:
    limit = ctx.profile.max_occupations
    if limit is None:
        return []
    readings: list[tuple[list[str], float, str | None]] = []
    for doc in ctx.of_type(DocType.RECOMMENDATION_FORM):
        fv = doc.fields.get("occupations")
        if fv is not None and present(fv.value):
            readings.append((occupations(fv.value), fv.confidence, doc.ref))
    cell = roster_value(ctx, "申报职业")
    if cell:
        readings.append((occupations(cell), 0.98, None))
    over = [r for r in readings if len(r[0]) > limit]
    if not over:
        return []
    items, conf, _ = max(over, key=lambda r: (len(r[0]), r[1]))
    return [finding("TOO_MANY_OCCUPATIONS", Severity.WARNING,
                    f"申报职业 {len(items)} 个（{'、'.join(items)}），超过 {limit} 个的上限", conf,
                    subject="occupations", documents=[r[2] for r in over if r[2]],
                    expected=f"不超过{limit}个", found=items)]
