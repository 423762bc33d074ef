"""Helpers the checks share: where a field's values come from (documents and the roster),
value normalisation, GB 11643 ID-number reading, date parsing, and the confidence model
of a disagreement between two readings.

The confidence model, in one place so every check reasons alike: a field's confidence
is taken as the chance it was read right. A difference between two readings is real
when both were read right; one OCR slip explains a one-character difference easily,
two or more independent slips much less so, unless a reading is poor throughout.
Hence `mismatch_confidence`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import gb11643
from pipeline.context import ApplicantContext
from pipeline.messages import DOC_TYPE_NAMES
from pipeline.types import DocType, Finding, Severity

# A roster cell is typed by the applicant, not read by OCR: what it says is what was
# declared, so it is nearly certain (a typo is a real discrepancy, not a misread).
ROSTER_CONFIDENCE = 0.98
ROSTER_LABEL = "汇总表"
# Source rank: ID card first, then the form, other documents, then the roster.
RANK = {DocType.ID_CARD: 0, DocType.RECOMMENDATION_FORM: 1}
OTHER_RANK, ROSTER_RANK = 2, 3
# Weight of a source in the vote for the reference value of a field.
RANK_WEIGHT = {0: 1.6, 1: 1.2, 2: 1.0, 3: 1.1}
# How much less likely each further independent OCR slip is than the first.
EXTRA_SLIP = 0.3
REGION_PROBLEMS = (gb11643.REGION_UNKNOWN, gb11643.REGION_ABOLISHED)
LOW_FIELD_CONFIDENCE = 0.6
# Documents that carry no person fields of the applicant (an organisation's papers).
NOT_PERSON = (DocType.BUSINESS_LICENSE, DocType.APPLICATION_LETTER, DocType.PHOTO, DocType.OTHER)
PERSON_TYPES = tuple(t for t in DocType if t not in NOT_PERSON)  # below this a field that matters gets LOW_CONFIDENCE


@dataclass(frozen=True)
class Source:
    """One reading of a field: on a document (with its ref) or in the roster."""

    value: Any
    confidence: float
    label: str  # Chinese name of where it was read (身份证, 汇总表, ...)
    ref: str | None  # "<file>#<page>" of the document; None for the roster
    rank: int
    doc_type: str | None = None


def doc_label(doc_type: Any) -> str:
    key = doc_type.value if isinstance(doc_type, DocType) else str(doc_type)
    return DOC_TYPE_NAMES.get(key, key)


def present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return True


def field_sources(ctx: ApplicantContext, key: str, types: Iterable[DocType] | None = None,
                  roster_column: str | None = None, exclude: Iterable[DocType] = ()) -> list[Source]:
    """Every non-empty reading of `key` on the applicant's documents (of `types` when
    given) and, when `roster_column` is given, the roster cell. Another applicant's ID
    card filed here (`ctx.foreign`) is not a reading of this applicant."""
    wanted = set(types) if types is not None else None
    skip = set(exclude)
    out = []
    for doc in ctx.documents:
        if (wanted is not None and doc.type not in wanted) or doc.type in skip or doc.ref in ctx.foreign:
            continue
        fv = doc.fields.get(key)
        if fv is None or not present(fv.value):
            continue
        out.append(Source(fv.value, float(fv.confidence), doc_label(doc.type), doc.ref,
                          RANK.get(doc.type, OTHER_RANK), doc.type.value))
    cell = roster_value(ctx, roster_column) if roster_column else None
    if cell:
        out.append(Source(cell, ROSTER_CONFIDENCE, ROSTER_LABEL, None, ROSTER_RANK, None))
    return out


def roster_value(ctx: ApplicantContext, column: str) -> str | None:
    if ctx.roster_row is None:
        return None
    cell = ctx.roster_row.values.get(column)
    if cell is None:
        return None
    text = str(cell).strip()
    return text or None


def refs(sources: Iterable[Source]) -> list[str]:
    return list(dict.fromkeys(s.ref for s in sources if s.ref))


def labels(sources: Iterable[Source]) -> str:
    return "、".join(dict.fromkeys(s.label for s in sources))


# ---------------------------------------------------------------- normalisation


def nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value))


def clean_text(value: Any) -> str:
    """Full-width to half-width, no whitespace."""
    return re.sub(r"\s+", "", nfkc(value))


def clean_name(value: Any) -> str:
    """A person's name as compared: no spaces, no middle dots of minority names."""
    return re.sub(r"[·•・.．\-]", "", clean_text(value))


def clean_id(value: Any) -> str:
    """An ID number or code as compared: no spaces or separators, upper case."""
    return re.sub(r"[\s\-_.·]", "", nfkc(value)).upper()


def clean_gender(value: Any) -> str | None:
    text = clean_text(value)
    if text.startswith("男"):
        return "男"
    if text.startswith("女"):
        return "女"
    return None


_ORG_PUNCT = re.compile(r"[()\[\]{}<>《》【】〔〕\"'“”‘’·.,，、:：;；]")


def clean_org(value: Any) -> str:
    """An organisation name as compared: 有限责任公司 = 有限公司, no brackets or spaces."""
    text = clean_text(value).replace("有限责任公司", "有限公司")
    return _ORG_PUNCT.sub("", text)


def _org_core(text: str) -> str:
    """The name without bracketed parts and without the company-form suffix."""
    text = re.sub(r"[(（][^)）]*[)）]", "", clean_text(text)).replace("有限责任公司", "有限公司")
    text = _ORG_PUNCT.sub("", text)
    return re.sub(r"(股份有限公司|有限公司|公司|集团)$", "", text)


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def same_org(a: Any, b: Any) -> bool:
    """Whether two organisation names name the same organisation, tolerating spacing,
    brackets, 有限公司/有限责任公司 and abbreviations (one contained in the other, or an
    ordered abbreviation of at least four characters)."""
    x, y = clean_org(a), clean_org(b)
    if not x or not y:
        return True
    if x == y:
        return True
    for p, q in ((x, y), (_org_core(str(a)), _org_core(str(b)))):
        short, long = sorted((p, q), key=len)
        if len(short) >= 2 and short in long:
            return True
        if len(short) >= 4 and short[0] == long[0] and _subsequence(short, long):
            return True
    return False


def distance(a: str, b: str) -> int:
    """Levenshtein distance: how many characters would have to be misread."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def mismatch_confidence(ca: float, cb: float, dist: int = 1) -> float:
    """How sure a difference between two readings is real (see the module docstring):
    both read right, or a difference too large for OCR slips to explain."""
    ca, cb = max(0.0, min(1.0, ca)), max(0.0, min(1.0, cb))
    both = ca * cb
    # Several slips are unlikely only in a reading that is decent at all: a field read
    # at 0.3 may be garbled throughout.
    too_many = (1 - EXTRA_SLIP ** max(0, dist - 1)) * min(ca, cb)
    conf = both + (1 - both) * too_many
    return round(min(0.99, max(0.05, conf)), 3)


# ---------------------------------------------------------------- ID numbers and dates


def id_birth(idn: str) -> dt.date | None:
    """The birth date in digits 7–14 of an 18-digit ID number, if it is a date."""
    return gb11643.birth(idn)


def id_gender(idn: str) -> str | None:
    """男 when the 17th digit is odd, else 女."""
    if len(idn) != 18 or not idn[16].isdigit():
        return None
    return "男" if int(idn[16]) % 2 else "女"


def id_valid(idn: str) -> bool:
    """GB 11643 as the standard reads (pipeline.gb11643), not stdnum's birth-year test."""
    return gb11643.is_valid(idn)


def id_problem(idn: str, batch_date: dt.date) -> str | None:
    """Why an ID number fails GB 11643, in words, or None when it is valid."""
    problem = gb11643.format_problem(idn)
    if problem is not None:
        return problem
    birth = id_birth(idn)
    if birth is None:
        return "出生日期段不是有效日期"
    if birth > batch_date:
        return "出生日期晚于审核日期"
    if birth.year < 1900:
        return "出生日期不合理"
    return gb11643.region_problem(idn)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?")


def parse_date(value: Any) -> tuple[dt.date, bool] | None:
    """(date, known to the day) from a contract date (YYYY-MM-DD or YYYY-MM) or a
    roster cell in a looser format; a month-only date is the 1st of the month."""
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    if not present(value):
        return None
    text = nfkc(value).strip()
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})?", text)
    if not m:
        m = _DATE.search(text)
    if not m:
        return None
    try:
        day = int(m.group(3)) if m.group(3) else None
        return dt.date(int(m.group(1)), int(m.group(2)), day or 1), day is not None
    except ValueError:
        return None


def same_date(a: tuple[dt.date, bool], b: tuple[dt.date, bool]) -> bool:
    """Equal to the precision both know: a YYYY-MM date compares on the month only."""
    if a[1] and b[1]:
        return a[0] == b[0]
    return (a[0].year, a[0].month) == (b[0].year, b[0].month)


def date_text(d: tuple[dt.date, bool]) -> str:
    return d[0].isoformat() if d[1] else d[0].strftime("%Y-%m")


def years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 365.25


def age_at(birth: dt.date, when: dt.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- the applicant's ID number


def best_id_number(ctx: ApplicantContext, person_types: Sequence[DocType] | None = None) -> Source | None:
    """The applicant's ID number as read most reliably: a valid number from the highest
    ranked, most confident source; None when no valid number was read anywhere."""
    sources = field_sources(ctx, "id_number", person_types, "身份证号")
    valid = [s for s in sources if id_valid(clean_id(s.value))]
    if not valid:
        return None
    votes: dict[str, float] = {}
    for s in valid:
        votes[clean_id(s.value)] = votes.get(clean_id(s.value), 0.0) + s.confidence * RANK_WEIGHT[s.rank]
    top = max(votes, key=lambda v: votes[v])
    best = min((s for s in valid if clean_id(s.value) == top), key=lambda s: (s.rank, -s.confidence))
    return Source(top, max(s.confidence for s in valid if clean_id(s.value) == top), best.label,
                  best.ref, best.rank, best.doc_type)


ORG_SLIP_MIN_CHARS = 6  # a name this long is not turned into another organisation's by one character


def org_slip(ref: list[Source], other: list[Source]) -> tuple[Source, Source, str, str] | None:
    """(misread source, its reference, read character, meant character) when one
    cluster is the other's name with one character misread by OCR (深塘瑞和… for
    深圳瑞和…, 后航 for 启航): same length, one character apart, the name at least
    ORG_SLIP_MIN_CHARS long, the misread side a single document and the other side
    either two sources or more or the roster (typed, not read by OCR). Another
    organisation's document differs in its trade name (字号) or more, while one slip in a
    long name is what OCR does, above all on small or traditional print."""
    for bad, good in ((other, ref), (ref, other)):
        if len(bad) != 1 or bad[0].ref is None or not (len(good) >= 2 or any(s.ref is None for s in good)):
            continue
        read, meant = clean_org(bad[0].value), clean_org(good[0].value)
        if len(read) != len(meant) or len(meant) < ORG_SLIP_MIN_CHARS:
            continue
        diff = [(a, b) for a, b in zip(read, meant, strict=True) if a != b]
        if len(diff) == 1:
            g = next((s for s in good if s.ref is None), good[0])
            return bad[0], g, diff[0][0], diff[0][1]
    return None


def org_mismatches(sources: list[Source], subject: str, word: str) -> list[Finding]:
    """ORG_MISMATCH for organisation names that `same_org` cannot match: the names are
    clustered, the heaviest cluster (rank weight times confidence) is the reference and
    every other cluster one finding."""
    clusters: list[list[Source]] = []
    for s in sorted(sources, key=lambda s: (s.rank, -s.confidence)):
        home = next((c for c in clusters if same_org(c[0].value, s.value)), None)
        if home is None:
            clusters.append([s])
        else:
            home.append(s)
    if len(clusters) < 2:
        return []
    clusters.sort(key=lambda c: (-sum(s.confidence * RANK_WEIGHT[s.rank] for s in c), min(s.rank for s in c)))
    ref = clusters[0]
    ref_value = str(ref[0].value).strip()
    findings = []
    for other in clusters[1:]:
        value = str(other[0].value).strip()
        slip = org_slip(ref, other)
        if slip is not None:
            bad, good, read, meant = slip
            findings.append(finding(
                "OCR_SLIP", Severity.INFO,
                f"{bad.label}上的{word}识别为“{str(bad.value).strip()}”，与{good.label}上的“{str(good.value).strip()}”"
                f"只差一字“{read}”/“{meant}”，按识别误差处理，请留意", 0.8,
                subject=None, documents=refs(ref + other), expected=str(good.value).strip(),
                found=str(bad.value).strip()))
            continue
        conf = mismatch_confidence(max(s.confidence for s in ref), max(s.confidence for s in other),
                                   distance(clean_org(ref_value), clean_org(value)))
        findings.append(finding("ORG_MISMATCH", Severity.WARNING,
                                f"{labels(other)}上的{word}“{value}”与{labels(ref)}上的“{ref_value}”不一致", conf,
                                subject=subject, documents=refs(ref + other), expected=ref_value, found=value))
    return findings


def finding(code: str, severity: Severity, message: str, confidence: float, *,
            subject: str | None = None, documents: Iterable[str] = (), expected: Any = None,
            found: Any = None) -> Finding:
    return Finding(code=code, severity=severity, message=message, subject=subject,
                   confidence=round(min(1.0, max(0.0, confidence)), 3),
                   documents=list(dict.fromkeys(documents)), expected=expected, found=found)


def applicant_birth(ctx: ApplicantContext) -> tuple[dt.date, float] | None:
    """(birth date, confidence): from a valid ID number, else the best full printed date."""
    ref = best_id_number(ctx, PERSON_TYPES)
    if ref is not None and (b := id_birth(str(ref.value))):
        return b, ref.confidence
    full = [(s, p) for s in field_sources(ctx, "birth_date", PERSON_TYPES, "出生日期")
            if (p := parse_date(s.value)) is not None and p[1]]
    if not full:
        return None
    s, p = min(full, key=lambda x: (x[0].rank, -x[0].confidence))
    return p[0], s.confidence
