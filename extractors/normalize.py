"""Value normalisers shared by the extractors: dates, ID numbers, USCCs, levels, names.

Each parser returns the contract's format (vocabulary.md) plus a quality in (0, 1]: 1.0
when the text was read as printed and validates, lower when a part had to be guessed
(a day missing after 月) or an OCR confusion was repaired. Repairs are only kept when a
check digit confirms them, so a misread never turns into a different valid value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from stdnum.cn import uscc

from pipeline import gb11643

CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
NAME_RE = re.compile(rf"^[{CJK}]{{2,4}}$|^[{CJK}]{{1,8}}·[{CJK}]{{1,8}}$")

# ---------------------------------------------------------------- dates

# Letters OCR returns for digits inside a number (only applied inside digit runs).
_DIGIT_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "l": "1", "I": "1",
                                  "|": "1", "i": "1", "!": "1", "Z": "2", "z": "2", "S": "5", "s": "5",
                                  "B": "8", "G": "6", "b": "6", "q": "9", "g": "9", "T": "7"})
_CN_DIGIT = {"〇": 0, "零": 0, "O": 0, "o": 0, "0": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_LOOK = "OoDQlI|iZzSsBGbgqT"
_D = rf"[0-9{_LOOK}]"
_CN = "〇零O○一二三四五六七八九十"

DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"({_D}{{4}})\s*年\s*({_D}{{1,2}})\s*月\s*({_D}{{1,2}})\s*日"), "ymd"),
    (re.compile(rf"({_D}{{4}})\s*年\s*({_D}{{1,2}})\s*月\s*({_D}{{1,2}})(?![0-9])"), "ymd?"),  # 日 lost
    (re.compile(rf"(?<![0-9])({_D}{{4}})\s*[.\-/]\s*({_D}{{1,2}})\s*[.\-/]\s*({_D}{{1,2}})(?![0-9])"), "ymd"),
    (re.compile(r"(?<![0-9])(\d{4})(\d{2})(\d{2})(?![0-9])"), "ymd8"),
    (re.compile(rf"([{_CN}]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,3}})\s*日"), "cn"),
    (re.compile(rf"([{_CN}]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月"), "cnym"),
    (re.compile(rf"({_D}{{4}})\s*年\s*({_D}{{1,2}})\s*月"), "ym"),
    (re.compile(rf"(?<![0-9])({_D}{{4}})\s*[.\-/]\s*({_D}{{1,2}})(?![0-9.\-/])"), "ym"),
)

MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: the contract value, where it is, and how sure."""

    value: str
    start: int
    end: int
    quality: float


def _num(s: str) -> int:
    return int(s.translate(_DIGIT_LOOKALIKE))


def _cn_number(s: str) -> int | None:
    """一 .. 三十一 (month/day words) -> int."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGIT.get(tens, -1) if tens else 1
        o = _CN_DIGIT.get(ones, -1) if ones else 0
        return None if t < 0 or o < 0 else t * 10 + o
    if len(s) == 1 and s in _CN_DIGIT:
        return _CN_DIGIT[s]
    return None


def _cn_year(s: str) -> int | None:
    digits = [_CN_DIGIT.get(c) for c in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _make(y: int | None, m: int | None, d: int | None) -> str | None:
    if y is None or m is None or not (MIN_YEAR <= y <= MAX_YEAR) or not 1 <= m <= 12:
        return None
    if d is None:
        return f"{y:04d}-{m:02d}"
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[DateMatch]:
    """Every date in `text`, left to right, without overlaps (full dates win)."""
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for pat, kind in DATE_PATTERNS:
        for m in pat.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            raw = m.group(0)
            repaired = any(c in _LOOK for c in raw if kind != "cn" and kind != "cnym")
            if kind in ("cn", "cnym"):
                y = _cn_year(m.group(1))
                mo = _cn_number(m.group(2))
                d = _cn_number(m.group(3)) if kind == "cn" else None
                if d is None and kind == "cn":
                    continue
            else:
                y, mo = _num(m.group(1)), _num(m.group(2))
                d = _num(m.group(3)) if kind.startswith("ymd") else None
            value = _make(y, mo, d)
            if value is None:
                if kind in ("ymd", "cn"):
                    taken.append((m.start(), m.end()))  # 2月30日 is no date, not "2023-02" either
                continue
            q = 1.0
            if kind == "ymd?":
                q = 0.55  # 日 not read: the day may be cut short too
            elif kind == "ymd8":
                q = 0.8
            if repaired:
                q *= 0.8
            found.append(DateMatch(value, m.start(), m.end(), q))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda x: x.start)


def parse_date(text: str) -> tuple[str, float] | None:
    """The first date in `text` as (YYYY-MM-DD or YYYY-MM, quality), or None."""
    found = find_dates(text)
    return (found[0].value, found[0].quality) if found else None


# ---------------------------------------------------------------- ID numbers and USCC

_ID_LOOKALIKE: dict[str, tuple[str, ...]] = {
    "O": ("0",), "o": ("0",), "D": ("0",), "Q": ("0",), "〇": ("0",), "l": ("1",), "I": ("1",),
    "|": ("1",), "i": ("1",), "!": ("1",), "Z": ("2",), "z": ("2",), "S": ("5",), "s": ("5",),
    "B": ("8", "3"), "G": ("6",), "b": ("6",), "q": ("9",), "g": ("9",), "T": ("7",), "A": ("4",),
}
_CHECK_X = "Xx×χXㄨメ"
ID_CANDIDATE_RE = re.compile(r"(?<![0-9A-Za-z])([0-9OoDQlIiZzSsBGbgqTA|!]{6}\s?[0-9OoDQlIiZzSsBGbgqTA|!]{8}\s?"
                             r"[0-9OoDQlIiZzSsBGbgqTA|!]{3}\s?[0-9Xx×χXOoDQlIiZzSsBGbgqTA|!])(?![0-9A-Za-z])")


def id_valid(value: str) -> bool:
    """GB 11643 check as the standard reads it (pipeline.gb11643); no spaces allowed."""
    return len(value) == 18 and gb11643.is_valid(value)


def normalize_id(text: str) -> tuple[str, float] | None:
    """An 18-character resident ID number from OCR text: (value, quality).

    quality 1.0: valid as read; 0.8: valid after repairing look-alike letters (O->0,
    l->1, ×->X...); 0.3: 18 characters that fail the check (kept: the validators must
    report it, it is what the document shows). None when it is not an ID at all.
    """
    s = re.sub(r"[\s\-_.]", "", text)
    if len(s) != 18:
        return None
    last = "X" if s[-1] in _CHECK_X else s[-1]
    s = s[:-1] + last
    if re.fullmatch(r"\d{17}[\dX]", s):
        return (s, 1.0) if id_valid(s) else (s, 0.3)
    options: list[tuple[str, ...]] = []
    for i, c in enumerate(s):
        if c.isdigit() or (i == 17 and c == "X"):
            options.append((c,))
        elif c in _ID_LOOKALIKE:
            options.append(_ID_LOOKALIKE[c])
        else:
            return None
    candidates = {"".join(p) for p in itertools.product(*options)}
    valid = sorted(c for c in candidates if id_valid(c))
    if len(valid) == 1:
        return valid[0], 0.8
    if not valid:
        plain = "".join(o[0] for o in options)
        return plain, 0.25
    return None


def find_id(text: str) -> tuple[str, float, int, int] | None:
    """The first plausible ID number inside free text: (value, quality, start, end)."""
    best = None
    for m in ID_CANDIDATE_RE.finditer(text):
        got = normalize_id(m.group(1))
        if got and (best is None or got[1] > best[1]):
            best = (got[0], got[1], m.start(1), m.end(1))
            if got[1] >= 1.0:
                break
    return best


USCC_RE = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])")
_USCC_LOOK = {"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"}


def normalize_uscc(text: str) -> tuple[str, float] | None:
    """统一社会信用代码 (GB 32100): (value, quality) with the same repair policy as IDs."""
    s = re.sub(r"[\s\-_.]", "", text).upper()
    if len(s) != 18:
        return None
    try:
        if uscc.is_valid(s):
            return s, 1.0
    except Exception:  # noqa: BLE001
        pass
    alts = [(c, _USCC_LOOK[c]) if c in _USCC_LOOK else (c,) for c in s]
    if sum(len(a) > 1 for a in alts) <= 6:
        ok = []
        for p in itertools.product(*alts):
            cand = "".join(p)
            try:
                if cand != s and uscc.is_valid(cand):
                    ok.append(cand)
            except Exception:  # noqa: BLE001
                continue
        if len(ok) == 1:
            return ok[0], 0.8
    if re.fullmatch(r"[0-9A-Z]{18}", s):
        return s, 0.3
    return None


# ---------------------------------------------------------------- words

SKILL_WORDS: tuple[tuple[str, int], ...] = (
    ("高级技师", 1), ("一级", 1), ("技师", 2), ("二级", 2), ("高级工", 3), ("三级", 3),
    ("中级工", 4), ("四级", 4), ("初级工", 5), ("五级", 5),
)


def skill_level(text: str) -> int | None:
    """1..5 from 一级/高级技师 ... 五级/初级工 (the first level word wins)."""
    t = text.replace(" ", "")
    best: tuple[int, int] | None = None
    for word, lvl in SKILL_WORDS:
        i = t.find(word)
        if i < 0:
            continue
        if word == "技师" and t[max(0, i - 2):i] == "高级":
            continue
        if best is None or i < best[0]:
            best = (i, lvl)
    if best is None:
        m = re.search(r"([1-5])\s*级", t)
        return int(m.group(1)) if m else None
    return best[1]


TITLE_LEVELS = ("正高级", "副高级", "中级", "初级")


def title_level(text: str | None, title_name: str | None = None) -> str | None:
    """初级/中级/副高级/正高级, printed or derived from the title's name."""
    if text:
        t = text.replace(" ", "")
        for lvl in TITLE_LEVELS:
            if lvl in t:
                return lvl
        if "员级" in t or "助理" in t:
            return "初级"
    name = (title_name or "").replace(" ", "")
    if not name:
        return None
    if name.startswith("正高级") or name in ("教授", "研究员", "主任医师", "主任护师", "编审", "译审"):
        return "正高级"
    if name.startswith("高级") or name.startswith("副") or name in ("主任", "副主任医师", "副主任护师"):
        return "副高级"
    if name.startswith("助理") or name.endswith("员") or name in ("助教", "护士", "护师", "医士", "医师"):
        return "初级"
    return "中级"


def gender(text: str) -> str | None:
    t = text.strip()
    for g in ("男", "女"):
        if t.startswith(g) or t == g:
            return g
    return None


def clean_name(text: str) -> str:
    """A person's name as printed: no spaces, no trailing punctuation."""
    return re.sub(r"[\s:,.;()\[\]。、]", "", text).replace("•", "·").replace("・", "·")


def is_name(text: str) -> bool:
    """2-4 CJK characters, or a minority name with a middle dot."""
    return bool(NAME_RE.match(text))


EDUCATION = ("研究生", "大学本科", "大学专科", "高级技校", "技师学院", "中专", "技校", "高中", "职高", "初中",
             "小学")
_EDU_ALIASES = (("博士研究生", "研究生"), ("硕士研究生", "研究生"), ("本科", "大学本科"), ("专科", "大学专科"),
                ("大专", "大学专科"), ("中等专业", "中专"))
POLITICAL = ("中共党员", "共青团员", "民主党派人士", "无党派民主人士", "群众")


def snap(text: str, words: tuple[str, ...], min_len: int = 2) -> tuple[str, float] | None:
    """The known word the text is (1.0) or begins like / is cut from (0.7)."""
    t = text.replace(" ", "")
    if t in words:
        return t, 1.0
    for w in words:
        if w in t:
            return w, 0.9
    hits = [w for w in words if len(t) >= min_len and (w.startswith(t) or t.startswith(w))]
    return (hits[0], 0.7) if len(hits) == 1 else None


def education_level(text: str) -> tuple[str, float] | None:
    got = snap(text, EDUCATION)
    if got:
        return got
    for alias, word in _EDU_ALIASES:
        if alias in text:
            return word, 0.9
    for deg in ("博士", "硕士", "学士"):
        if deg in text:
            return deg, 0.9
    return None


def political_status(text: str) -> tuple[str, float] | None:
    t = text.replace(" ", "")
    if t in ("党员", "共产党员"):
        return "中共党员", 0.9
    if t in ("团员",):
        return "共青团员", 0.9
    return snap(t, POLITICAL, min_len=3)


_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_PUNCT_RE = re.compile(r"[,;:!?()]")


def cjk_punct(text: str) -> str:
    """Chinese punctuation back between Chinese words (OCR normalisation made it ASCII)."""
    out = []
    for i, c in enumerate(text):
        if c in _FULL:
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            near_cjk = bool(re.match(rf"[{CJK}。、“”（）]", prev or " ")) or bool(re.match(rf"[{CJK}“”（）]", nxt or " "))
            if near_cjk or c in "()":
                out.append(_FULL[c])
                continue
        out.append(c)
    return "".join(out)


def split_list(text: str) -> list[str]:
    """Occupations written as 电工、育婴员 / 电工;焊工 / 电工(五级至三级)."""
    t = re.sub(r"\([^)]*\)|（[^）]*）", "", text)
    parts = re.split(r"[、,，;；/\s]+", t)
    return [p.strip() for p in parts if p.strip()]


def phone(text: str) -> tuple[str, float] | None:
    """A mobile (11 digits, 1[3-9]...) or a landline with area code."""
    t = text.replace(" ", "").translate(_DIGIT_LOOKALIKE)
    m = re.search(r"(?<!\d)(1[3-9]\d{9})(?!\d)", t)
    if m:
        return m.group(1), 1.0
    m = re.search(r"(?<!\d)(0\d{2,3}-?\d{7,8})(?!\d)", t)
    return (m.group(1), 0.9) if m else None


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def email(text: str) -> tuple[str, float] | None:
    m = EMAIL_RE.search(text.replace(" ", ""))
    return (m.group(0).lower(), 1.0) if m else None


def qualification_number_year(number: str) -> int | None:
    """The year a national 职业资格证书 number states: its 16 (or 18) digits begin with the two
    digits of the year of issue, then the province's code (11-65), e.g. 1044… for 2010
    in Guangdong. None for any other format (skill-level certificates, titles)."""
    if not re.fullmatch(r"\d{16}|\d{18}", number or "") or not 11 <= int(number[2:4]) <= 65:
        return None
    yy = int(number[:2])
    return 2000 + yy if yy <= 40 else 1900 + yy


def issue_year_agrees(issue_date: str, number: str) -> bool | None:
    """Whether an issue date's year is the one its certificate number states (None when
    the number states none): a cross-check for a misread year (2021 read for 2024)."""
    year = qualification_number_year(number)
    if year is None or not re.match(r"\d{4}", issue_date or ""):
        return None
    return int(issue_date[:4]) == year
