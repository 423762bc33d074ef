"""Whether every document and the roster describe the same person (or, for an organisation
filing, the same legal representative): name, ID number, birth date and gender, with the
birth date and gender the ID number encodes (digits 7–14; 17th digit odd = 男) as the
reference; and whether the employer agrees across work certificate, form and roster.

For each field the readings are grouped by normalised value and the group with the most
weight (ID card > form > other documents; roster; times confidence) is the reference, so
one misread document is the one reported, not the several that agree. A finding's
confidence comes from `mismatch_confidence`: a one-character difference where either
side was read with low confidence asks for review; the same difference read clearly by
both (张三 vs 张山 at 0.99) is a confident error.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.context import ApplicantContext
from pipeline.glyphs import look_alike
from pipeline.types import DocType, Finding, Severity
from validators.common import (
    PERSON_TYPES,
    RANK_WEIGHT,
    Source,
    best_id_number,
    clean_gender,
    clean_id,
    clean_name,
    date_text,
    distance,
    field_sources,
    finding,
    id_birth,
    id_gender,
    id_valid,
    labels,
    mismatch_confidence,
    org_mismatches,
    parse_date,
    refs,
    same_date,
)

EMPLOYER_TYPES = (DocType.WORK_CERTIFICATE, DocType.RECOMMENDATION_FORM)
# An ID number that fails its own check digit is ID_NUMBER_INVALID's finding; the same
# number's mismatch is then at most a hint.
INVALID_SIDE_CAP = 0.6


def check(ctx: ApplicantContext) -> list[Finding]:
    if ctx.profile.subject == "organisation":
        return _organisation(ctx)
    findings = _compare(field_sources(ctx, "name", PERSON_TYPES, "姓名"), clean_name,
                        "NAME_MISMATCH", "name", "姓名", slips=True)
    findings += _id_numbers(field_sources(ctx, "id_number", PERSON_TYPES, "身份证号"))
    ref_id = best_id_number(ctx, PERSON_TYPES)
    findings += _birth_dates(field_sources(ctx, "birth_date", PERSON_TYPES, "出生日期"), ref_id)
    findings += _genders(field_sources(ctx, "gender", PERSON_TYPES, "性别"), ref_id)
    findings += _employers(field_sources(ctx, "employer", EMPLOYER_TYPES, "工作单位"))
    return findings


def _organisation(ctx: ApplicantContext) -> list[Finding]:
    """An ID card in an organisation's folder is the legal representative's: its name is
    compared with the legal representative named on the licence, forms and roster, and
    its own birth date and gender with its ID number. The organisation's name is
    org_filing's concern."""
    cards = (DocType.ID_CARD,)
    reps = field_sources(ctx, "legal_representative",
                         (DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM), "法定代表人")
    names = [Source(s.value, s.confidence, "身份证（法定代表人）", s.ref, s.rank, s.doc_type)
             for s in field_sources(ctx, "name", cards)]
    findings = _compare(reps + names, clean_name, "NAME_MISMATCH", "legal_representative", "法定代表人姓名",
                        slips=True)
    findings += _id_numbers(field_sources(ctx, "id_number", cards))
    ref_id = _card_id(ctx)
    findings += _birth_dates(field_sources(ctx, "birth_date", cards), ref_id)
    findings += _genders(field_sources(ctx, "gender", cards), ref_id)
    return findings


def _card_id(ctx: ApplicantContext) -> Source | None:
    """The legal representative's ID number, from the ID card alone."""
    valid = [s for s in field_sources(ctx, "id_number", (DocType.ID_CARD,)) if id_valid(clean_id(s.value))]
    return max(valid, key=lambda s: s.confidence, default=None)


# ---------------------------------------------------------------- grouping


def _groups(sources: list[Source], norm: Callable[[object], str],
            bonus: Callable[[str], float] = lambda _: 1.0) -> list[tuple[str, list[Source], float]]:
    """Readings grouped by normalised value, heaviest first: (value, sources, weight)."""
    groups: dict[str, list[Source]] = {}
    for s in sources:
        v = norm(s.value)
        if v:
            groups.setdefault(v, []).append(s)
    weighted = [(v, ss, sum(s.confidence * RANK_WEIGHT[s.rank] for s in ss) * bonus(v))
                for v, ss in groups.items()]
    # Ties go to the best-ranked source, then to the value, for a stable report.
    return sorted(weighted, key=lambda g: (-g[2], min(s.rank for s in g[1]), g[0]))


def _message(word: str, ref: list[Source], ref_value: str, other: list[Source], value: str) -> str:
    return f"{labels(other)}上的{word}“{value}”与{labels(ref)}上的“{ref_value}”不一致"


# A reading is taken for an OCR slip of another only when it was read with some doubt and
# its one differing character looks like the other's (pipeline/glyphs.py).
SLIP_CONFIDENCE = 0.97  # a reading at least this sure is what the page says
SLIP_GLYPHS = 0.70  # glyph correlation of look-alikes; random name characters: 95th percentile 0.69


def _slip_of(value: str, conf: float, other: str, other_conf: float) -> tuple[str, str] | None:
    """(read, other) characters when `value` is probably `other` misread: same length,
    one character apart, read with doubt and less surely than `other`, and the two
    characters look alike."""
    if len(value) != len(other) or conf >= SLIP_CONFIDENCE or conf >= other_conf:
        return None
    diff = [(a, b) for a, b in zip(value, other, strict=True) if a != b]
    if len(diff) != 1:
        return None
    sim = look_alike(*diff[0])
    return diff[0] if sim is not None and sim >= SLIP_GLYPHS else None


def _fold_slips(groups: list[tuple[str, list[Source], float]], word: str
                ) -> tuple[list[tuple[str, list[Source], float]], list[Finding]]:
    """Readings that are probably OCR slips of another group's value join that group (a
    clean applicant is not rejected for 朱兵鹅 read off 朱兵鹏); each is still shown as an
    info finding, so the reviewer sees what was read."""
    out = list(groups)
    notes: list[Finding] = []
    for g in sorted(groups, key=lambda g: g[2]):
        value, sources, weight = g
        if g not in out:
            continue
        conf = max(s.confidence for s in sources)
        targets = [(h, _slip_of(value, conf, h[0], max(s.confidence for s in h[1]))) for h in out if h is not g]
        targets = [(h, pair) for h, pair in targets if pair is not None]
        if not targets:
            continue
        h, (read, meant) = max(targets, key=lambda t: t[0][2])
        out.remove(g)
        out[out.index(h)] = (h[0], h[1] + sources, h[2] + weight)
        notes.append(finding("OCR_SLIP", Severity.INFO,
                             f"{labels(sources)}上的{word}识别为“{value}”，与{labels(h[1])}上的“{h[0]}”只差形近字"
                             f"“{read}”/“{meant}”（识别置信度 {conf:.2f}），按识别误差处理，请留意",
                             0.8, subject=None, documents=refs(sources + h[1]),
                             expected=h[0], found=value))
    return sorted(out, key=lambda g: (-g[2], min(s.rank for s in g[1]), g[0])), notes


def _compare(sources: list[Source], norm: Callable[[object], str], code: str, subject: str,
             word: str, severity: Severity = Severity.ERROR, slips: bool = False) -> list[Finding]:
    groups = _groups(sources, norm)
    notes: list[Finding] = []
    if slips and len(groups) > 1:
        groups, notes = _fold_slips(groups, word)
    if len(groups) < 2:
        return notes
    ref_value, ref_sources, _ = groups[0]
    ref_conf = max(s.confidence for s in ref_sources)
    findings = notes
    for value, others, _ in groups[1:]:
        conf = mismatch_confidence(ref_conf, max(s.confidence for s in others), distance(ref_value, value))
        findings.append(finding(code, severity, _message(word, ref_sources, ref_value, others, value), conf,
                                subject=subject, documents=refs(ref_sources + others),
                                expected=ref_value, found=value))
    return findings


def _id_numbers(sources: list[Source]) -> list[Finding]:
    """ID numbers across sources; a valid number outweighs an invalid reading of it."""
    groups = _groups(sources, clean_id, bonus=lambda v: 2.0 if id_valid(v) else 1.0)
    if len(groups) < 2:
        return []
    ref_value, ref_sources, _ = groups[0]
    ref_conf = max(s.confidence for s in ref_sources)
    findings = []
    for value, others, _ in groups[1:]:
        dist = distance(ref_value, value)
        conf = mismatch_confidence(ref_conf, max(s.confidence for s in others), dist)
        if not id_valid(value) and dist <= 2:
            conf = min(conf, INVALID_SIDE_CAP)
        findings.append(finding("ID_NUMBER_MISMATCH", Severity.ERROR,
                                _message("身份证号", ref_sources, ref_value, others, value), conf,
                                subject="id_number", documents=refs(ref_sources + others),
                                expected=ref_value, found=value))
    return findings


def _birth_dates(sources: list[Source], ref_id: Source | None) -> list[Finding]:
    """Every printed birth date against the one in the ID number (or, without a valid
    ID number, against the best-ranked full date); YYYY-MM compares on the month."""
    parsed = [(s, d) for s in sources if (d := parse_date(s.value)) is not None]
    birth = id_birth(str(ref_id.value)) if ref_id else None
    if ref_id is not None and birth is not None:
        ref_date, ref_sources, ref_conf = (birth, True), [ref_id], ref_id.confidence
        ref_word = f"身份证号（{ref_id.value}）"
    elif parsed:
        s0, ref_date = min(parsed, key=lambda p: (not p[1][1], p[0].rank, -p[0].confidence))
        ref_sources, ref_conf, ref_word = [s0], s0.confidence, s0.label
    else:
        return []
    findings = []
    for s, d in parsed:
        if same_date(d, ref_date):
            continue
        a, b = date_text(d), date_text(ref_date)[: len(date_text(d))]
        conf = mismatch_confidence(ref_conf, s.confidence, distance(a.replace("-", ""), b.replace("-", "")))
        findings.append(finding(
            "BIRTH_DATE_MISMATCH", Severity.ERROR,
            f"{s.label}上的出生日期“{a}”与{ref_word}的出生日期“{b}”不一致", conf,
            subject="birth_date", documents=refs(ref_sources + [s]), expected=b, found=a))
    return findings


def _genders(sources: list[Source], ref_id: Source | None) -> list[Finding]:
    """Every printed gender against the ID number's 17th digit (or the best reading)."""
    readings = [(s, g) for s in sources if (g := clean_gender(s.value))]
    gender = id_gender(str(ref_id.value)) if ref_id else None
    if ref_id is not None and gender is not None:
        ref_gender, ref_sources, ref_conf = gender, [ref_id], ref_id.confidence
        ref_word = f"身份证号（{ref_id.value}）第17位"
    elif readings:
        s0, ref_gender = min(readings, key=lambda r: (r[0].rank, -r[0].confidence))
        ref_sources, ref_conf, ref_word = [s0], s0.confidence, s0.label
    else:
        return []
    return [
        finding("GENDER_MISMATCH", Severity.ERROR,
                f"{s.label}上的性别“{g}”与{ref_word}所示性别“{ref_gender}”不一致",
                mismatch_confidence(ref_conf, s.confidence), subject="gender",
                documents=refs(ref_sources + [s]), expected=ref_gender, found=g)
        for s, g in readings if g != ref_gender
    ]


def _employers(sources: list[Source]) -> list[Finding]:
    """Employer names across work certificate, form and roster, as `same_org` compares
    them (abbreviations and company-form variants are the same employer)."""
    return org_mismatches(sources, "employer", "工作单位")
