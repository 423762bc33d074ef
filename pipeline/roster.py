"""Roster (汇总表) reading, pairing with applicant folders, and checks of its own cells.

The roster is what the applicants (or their unit) declared, typed into the provincial
summary table. Reviewers reject tables that break the table's own rules (seed 001
附件5: 出生日期 as ``yyyy-mm-dd`` *text*, 政治面貌 / 文化程度 only from the fixed words,
never abbreviated), so the reader keeps both what the user typed (``RosterRow.values``,
text) and how the cell was stored (``RosterRow.raw``): an Excel date cell or an ID
number stored as a number is itself a finding. Comparing the roster with the documents
is the consistency check's job (it sees ``ctx.roster_row``); here we only read, pair
and check the cells.

Nothing here raises for a file's content: an unreadable roster or one without a 姓名
header becomes a finding in ``Roster.findings``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from pipeline.context import Roster, RosterRow
from pipeline.profile import Profile
from pipeline.types import Finding, Severity

# Words the summary tables allow (vocabulary.md); abbreviations seen in real tables
# map to the word that should have been written, so the finding can say it.
POLITICAL_WORDS = ("中共党员", "共青团员", "民主党派人士", "无党派民主人士", "群众")
EDUCATION_WORDS = ("研究生", "大学本科", "大学专科", "中专", "技校", "高级技校", "技师学院", "高中", "职高",
                   "初中", "小学")
POLITICAL_ALIASES = {
    "党员": "中共党员", "中共": "中共党员", "共产党员": "中共党员", "中国共产党党员": "中共党员",
    "中国共产党员": "中共党员", "中共预备党员": "中共党员", "预备党员": "中共党员",
    "团员": "共青团员", "共青团": "共青团员", "共青团员团员": "共青团员",
    "民主党派": "民主党派人士", "无党派": "无党派民主人士", "无党派人士": "无党派民主人士",
    "无": "群众", "普通群众": "群众",
}
EDUCATION_ALIASES = {
    "本科": "大学本科", "大本": "大学本科", "学士": "大学本科", "大学": "大学本科", "本科学历": "大学本科",
    "大专": "大学专科", "专科": "大学专科", "高职": "大学专科", "大专学历": "大学专科",
    "硕士": "研究生", "博士": "研究生", "硕士研究生": "研究生", "博士研究生": "研究生",
    "研究生学历": "研究生", "中等专业学校": "中专", "中技": "技校", "技工学校": "技校",
    "职业高中": "职高", "高级技工学校": "高级技校",
}

# Header spellings of the provincial tables, normalised to the contract's column names.
HEADER_ALIASES = {
    "身份证号码": "身份证号", "公民身份号码": "身份证号", "身份证": "身份证号", "证件号码": "身份证号",
    "出生年月日": "出生日期", "出生年月": "出生日期",
    "学历": "文化程度", "最高学历": "文化程度",
    "联系电话": "联系方式", "手机号码": "联系方式", "手机": "联系方式", "电话": "联系方式",
    "邮箱": "电子邮箱", "电子信箱": "电子邮箱", "email": "电子邮箱", "e-mail": "电子邮箱",
    "单位": "工作单位", "所在单位": "工作单位", "通信地址": "通讯地址", "联系地址": "通讯地址",
    "申报考评职业": "申报职业", "申报考评职业工种": "申报职业", "现职业资格专业技术职称": "现职业资格",
    "文件夹": "材料目录", "材料文件夹": "材料目录", "编号": "序号",
    "信用代码": "统一社会信用代码", "社会信用代码": "统一社会信用代码",
}
HEADER_KEYS = ("姓名", "机构名称")
# Columns that identify a row: a row with any of them filled is a data row.
KEY_COLUMNS = ("姓名", "身份证号", "材料目录", "机构名称", "统一社会信用代码")
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 20_000  # a hostile sheet must not stall the batch

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID_TEXT = re.compile(r"\d{17}[\dXx]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")
_USCC_TEXT = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_ETHNIC = re.compile(r"[\u4e00-\u9fff]{1,8}")
_YEARS = re.compile(r"\d+(\.\d+)?\s*年?")


def _warning(code: str, message: str, subject: str | None = None, expected: Any = None, found: Any = None,
             confidence: float = 1.0) -> Finding:
    return Finding(code=code, severity=Severity.WARNING, message=message, subject=subject,
                   expected=expected, found=found, confidence=confidence)


def _norm_header(value: Any) -> str:
    """A header cell as a column name: spaces, line breaks and 'required' stars removed,
    full-width forms folded, known aliases mapped to the contract's names."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text).strip("*＊")
    text = re.sub(r"[（(].*?[）)]$", "", text) or text  # 出生日期(yyyy-mm-dd) -> 出生日期
    return HEADER_ALIASES.get(text.lower(), HEADER_ALIASES.get(text, text))


def cell_text(value: Any) -> str:
    """What the user sees in the cell, as text: integers without '.0', dates as
    yyyy-mm-dd (the raw value keeps the type so the format check can still object)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value).strip()


# ---------------------------------------------------------------- reading


def _sniff(path: Path) -> str:
    """xlsx | ole | csv, from the first bytes (a .csv may really be a workbook)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return "csv"


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # exporters often write a wrong <dimension>; read what is there
        rows: list[list[Any]] = []
        for row in ws.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS:
                break
        return rows
    finally:
        wb.close()


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, then GB18030
    (a superset of GBK, what Chinese Excel writes for "CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data[:1], 0, 1, "neither UTF-8 nor GB18030")


def _read_csv(path: Path) -> list[list[Any]]:
    text = decode_text(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "，"), key=first.count) if first else ","
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        rows.append([c if c != "" else None for c in row])
        if len(rows) > MAX_ROWS:
            break
    return rows


def _find_header(rows: list[list[Any]]) -> int | None:
    """Index of the first row (within the first few) holding 姓名 or 机构名称: the
    provincial tables put a title (and sometimes a unit/date line) above the header."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {_norm_header(c) for c in row if c is not None}
        if names.intersection(HEADER_KEYS):
            return i
    return None


_NOTE = re.compile(r"(注|说明|备注|附注|填表|填报)|\d+[.、．]")


def _is_data(values: dict[str, str]) -> bool:
    """A data row, not a blank template row (序号 only) or a note under the table."""
    filled = [v for v in values.values() if v]
    if len(filled) == 1 and _NOTE.match(filled[0]):
        return False
    if any(values.get(k) for k in KEY_COLUMNS):
        return True
    return sum(1 for k, v in values.items() if v and k != "序号") >= 2


def load_roster(path: Path, profile: Profile) -> Roster:
    """Read roster.xlsx (first sheet) or roster.csv; never raises for the file's content."""
    path = Path(path)
    roster = Roster(path=str(path))
    try:
        kind = _sniff(path)
        if kind == "ole":
            roster.findings.append(_warning(
                "DOC_UNREADABLE", "汇总表不是 .xlsx 格式（疑似 .xls 或加密文件），请另存为 .xlsx 或 .csv",
                subject="roster", found=path.name))
            return roster
        rows = _read_xlsx(path) if kind == "xlsx" else _read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any broken file is a finding, not a crash
        roster.findings.append(_warning("DOC_UNREADABLE", f"汇总表无法读取：{type(exc).__name__}",
                                        subject="roster", found=path.name))
        return roster
    head = _find_header(rows)
    if head is None:
        first = next((r for r in rows if any(c is not None for c in r)), [])
        roster.findings.append(_warning(
            "ROSTER_VALUE_INVALID", f"汇总表前 {HEADER_SEARCH_ROWS} 行未找到含“姓名”的表头",
            subject="roster", expected="表头含 姓名", found="、".join(cell_text(c) for c in first if c is not None)[:80]))
        return roster
    columns: list[tuple[int, str]] = []
    seen: set[str] = set()
    for j, c in enumerate(rows[head]):
        name = _norm_header(c)
        if name and name not in seen:
            columns.append((j, name))
            seen.add(name)
    roster.columns = [n for _, n in columns]
    for i, row in enumerate(rows[head + 1:], start=head + 2):
        raw = {n: row[j] if j < len(row) else None for j, n in columns}
        values = {n: cell_text(v) for n, v in raw.items()}
        if _is_data(values):
            roster.rows.append(RosterRow(row=i, values=values, raw=raw))
    return roster


# ---------------------------------------------------------------- pairing


def _norm_key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().strip("/\\").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].casefold()


def _tokens(key: str) -> set[str]:
    return {t for t in re.split(r"[\s_\-—.、，,（）()\[\]【】#0-9]+", unicodedata.normalize("NFKC", key)) if t}


def _by_folder(row: RosterRow, keys: list[str], free: set[str]) -> str | None:
    want = row.values.get("材料目录", "")
    if not want:
        return None
    n = _norm_key(want)
    return next((k for k in keys if k in free and _norm_key(k) == n), None)


def _by_id(row: RosterRow, keys: list[str], free: set[str]) -> str | None:
    idn = row.values.get("身份证号", "").upper()
    if len(idn) < 15:
        return None
    hits = [k for k in keys if k in free and idn in k.upper()]
    return hits[0] if len(hits) == 1 else None


def _by_name(row: RosterRow, keys: list[str], free: set[str]) -> tuple[str | None, list[str]]:
    """(folder, ambiguous candidates): a folder whose name holds the row's name as a
    token wins over one that merely contains it (王伟 is not 王伟华)."""
    name = unicodedata.normalize("NFKC", row.values.get("姓名") or row.values.get("机构名称") or "").strip()
    if not name:
        return None, []
    exact = [k for k in keys if k in free and name in _tokens(k)]
    if len(exact) == 1:
        return exact[0], []
    if len(exact) > 1:
        return None, exact
    loose = [k for k in keys if k in free and name in unicodedata.normalize("NFKC", k)]
    if len(loose) == 1:
        return loose[0], []
    return None, loose


def _row_label(row: RosterRow) -> str:
    who = row.values.get("姓名") or row.values.get("机构名称") or ""
    return f"第{row.row}行" + (f"（{who}）" if who else "")


def pair_roster(roster: Roster, keys: list[str],
                profile: Profile) -> tuple[dict[str, RosterRow], dict[str, list[Finding]], list[Finding]]:
    """(row by folder key, findings by folder key, batch-level findings).

    Rows pair with folders as the contract says: 材料目录 names the folder; without it
    (or when it names none), the folder whose name holds the row's 身份证号, else its
    姓名. Passes run over all rows in that order so that a loose name match never takes
    a folder another row names outright. A row's cell findings go to its applicant, or
    to the batch when the row has no folder."""
    rows_by_key: dict[str, RosterRow] = {}
    by_key: dict[str, list[Finding]] = {}
    batch: list[Finding] = []
    if not roster.columns:  # unreadable or headless: one finding already says so
        return rows_by_key, by_key, batch
    for col in profile.roster.required_columns:
        if col not in roster.columns:
            batch.append(_warning("ROSTER_FIELD_MISSING", f"汇总表缺少“{col}”列", subject=col,
                                  expected=col, found="、".join(roster.columns)))
    free = set(keys)
    paired: dict[int, str] = {}
    how: dict[int, str] = {}
    for finder, label in ((_by_folder, "材料目录"), (_by_id, "身份证号")):
        for idx, row in enumerate(roster.rows):
            if idx in paired:
                continue
            key = finder(row, keys, free)
            if key is not None:
                paired[idx], how[idx] = key, label
                free.discard(key)
    ambiguous: dict[int, list[str]] = {}
    for idx, row in enumerate(roster.rows):
        if idx in paired:
            continue
        key, cands = _by_name(row, keys, free)
        if key is not None:
            paired[idx], how[idx] = key, "姓名"
            free.discard(key)
        elif cands:
            ambiguous[idx] = cands
    for idx, row in enumerate(roster.rows):
        cells = check_row(row, profile, roster.columns)
        key = paired.get(idx)
        if key is None:
            named = row.values.get("材料目录", "")
            taken = named and any(_norm_key(k) == _norm_key(named) for k in keys)
            why = (f"材料目录“{named}”已对应汇总表另一行" if taken else
                   f"材料目录“{named}”无此文件夹" if named else
                   f"多个文件夹可能对应：{'、'.join(ambiguous[idx][:3])}" if idx in ambiguous else
                   "未找到含其身份证号或姓名的文件夹")
            batch.append(_warning("ROSTER_NO_FOLDER", f"汇总表{_row_label(row)}没有对应的材料文件夹：{why}",
                                  subject="材料目录", found=f"第{row.row}行：{named or row.values.get('姓名', '')}"))
            batch.extend(cells)
            continue
        rows_by_key[key] = row.model_copy(update={"folder": key})
        found = by_key.setdefault(key, [])
        named = row.values.get("材料目录", "")
        if named and how[idx] != "材料目录":
            found.append(_warning("ROSTER_VALUE_INVALID",
                                  f"汇总表{_row_label(row)}材料目录“{named}”无此文件夹，已按{how[idx]}对应到 {key}",
                                  subject="材料目录", expected=key, found=f"第{row.row}行：{named}", confidence=0.9))
        found.extend(cells)
    for key in keys:
        if key in free:
            by_key.setdefault(key, []).append(_warning(
                "FOLDER_NOT_IN_ROSTER", f"材料文件夹 {key} 在汇总表中没有对应的行", subject="材料目录",
                found=key, confidence=0.95))
    return rows_by_key, by_key, batch


# ---------------------------------------------------------------- cell checks


def _invalid(row: RosterRow, col: str, expected: Any, found: str, why: str) -> Finding:
    return _warning("ROSTER_VALUE_INVALID", f"汇总表{_row_label(row)}“{col}”{why}", subject=col,
                    expected=expected, found=f"第{row.row}行：{found}")


def _check_word(row: RosterRow, col: str, words: tuple[str, ...], aliases: dict[str, str]) -> Finding | None:
    text = row.values.get(col, "")
    if not text or text in words:
        return None
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if compact in words:
        return _invalid(row, col, compact, text, "含多余空格")
    meant = aliases.get(compact)
    if meant:
        return _invalid(row, col, meant, text, f"不能简写，应填“{meant}”")
    return _invalid(row, col, "、".join(words), text, "不在规定用词之内")


def _is_phone(text: str) -> bool:
    parts = [p for p in re.split(r"[/／;；,，、\s]+", text) if p]
    if not parts:
        return False
    for p in parts:
        p = re.sub(r"[()（）]", "", p)
        digits = p.replace("-", "").replace(" ", "")
        if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(p)):
            return False
    return True


def check_row(row: RosterRow, profile: Profile, columns: list[str] | None = None) -> list[Finding]:
    """The summary-table rules (seed 001 附件5, profiles.md) on one row's own cells."""
    out: list[Finding] = []
    v, raw = row.values, row.raw
    cols = columns if columns is not None else list(v)
    for col in profile.roster.required_columns:
        if col in cols and not v.get(col):
            out.append(_warning("ROSTER_FIELD_MISSING", f"汇总表{_row_label(row)}“{col}”未填写", subject=col,
                                expected=col, found=f"第{row.row}行：（空）"))
    if v.get("出生日期"):
        r = raw.get("出生日期")
        if not isinstance(r, str):
            kind = "日期" if isinstance(r, (dt.date, dt.datetime)) else "数值"
            out.append(_invalid(row, "出生日期", "yyyy-mm-dd（文本格式）", f"{v['出生日期']}（{kind}格式单元格）",
                                f"为{kind}格式，应为 yyyy-mm-dd 文本"))
        elif not _DATE_TEXT.fullmatch(v["出生日期"]) or not _real_date(v["出生日期"]):
            out.append(_invalid(row, "出生日期", "yyyy-mm-dd", v["出生日期"], "格式应为 yyyy-mm-dd"))
    for col, words, aliases in (("政治面貌", POLITICAL_WORDS, POLITICAL_ALIASES),
                                ("文化程度", EDUCATION_WORDS, EDUCATION_ALIASES)):
        f = _check_word(row, col, words, aliases)
        if f:
            out.append(f)
    if v.get("性别") and v["性别"] not in ("男", "女"):
        out.append(_invalid(row, "性别", "男、女", v["性别"], "应填“男”或“女”"))
    if v.get("民族") and not _ETHNIC.fullmatch(v["民族"]):
        out.append(_invalid(row, "民族", "如 汉 或 汉族", v["民族"], "应为民族名称"))
    if v.get("身份证号"):
        r, text = raw.get("身份证号"), v["身份证号"]
        if isinstance(r, (int, float)) and not isinstance(r, bool):
            out.append(_invalid(row, "身份证号", "18位文本", text,
                                "以数值格式保存，末位可能已丢失精度或 X，应设为文本"))
        elif not _ID_TEXT.fullmatch(text):
            out.append(_invalid(row, "身份证号", "18位（末位可为X）", text, f"应为18位，实为{len(text)}位"))
    if v.get("电子邮箱") and not _EMAIL.fullmatch(v["电子邮箱"].strip()):
        out.append(_invalid(row, "电子邮箱", "如 name@example.com", v["电子邮箱"], "格式不正确"))
    if v.get("联系方式") and not _is_phone(v["联系方式"]):
        out.append(_invalid(row, "联系方式", "11位手机号或带区号的固定电话", v["联系方式"], "不是有效的电话号码"))
    if v.get("工作年限") and not _YEARS.fullmatch(v["工作年限"]):
        out.append(_invalid(row, "工作年限", "数字（年）", v["工作年限"], "应为年数"))
    if v.get("统一社会信用代码") and not _USCC_TEXT.fullmatch(v["统一社会信用代码"].upper()):
        out.append(_invalid(row, "统一社会信用代码", "18位代码", v["统一社会信用代码"], "应为18位"))
    return out


def _real_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
