"""The notice's own summary table (汇总表) with the pipeline's verdict: the one writer of
queue.xlsx (CLI) and of the web UI's export.

Reviewers hand the table on to the provincial centre, so it has the notice's columns in
the notice's order, then 系统结论, 风险, 置信度, 问题 (and, in the web export, the
reviewer's decision):

- sc-examiner, sc-senior-examiner: seed 001 附件3 (考评员资格培训（复核）汇总表);
- sc-supervisor: seed 001 附件5 (质量督导员资格培训名册汇总表);
- organisation filings: the contract's filing roster columns;
- every other profile: the contract's roster columns (contract README §1).

A profile names its table in `roster.table`. A value comes from the roster row when the
batch has one (what the unit declared), else from the documents (the 推荐表 first: it is
what the applicant declared), so the table is filled even without a roster.

Works on report.json's applicant dicts, so the CLI (from its Report) and the web UI
(from the report it serves) write the same table.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.messages import SKILL_LEVEL_NAMES, decision_word, describe, format_value
from pipeline.types import Finding


@dataclass(frozen=True)
class Column:
    header: str  # as the notice prints it
    roster: str | None  # the roster column (contract name, after pipeline.roster's aliases)
    key: str | None  # the field key read from the documents; None: composed or roster-only


QUALIFICATION = "现职业资格"  # composed from the certificates when the roster lacks it

ANNEX3 = [  # seed 001 附件3, 四川省技能人才评价考评员资格培训（复核）汇总表
    Column("序号", None, None), Column("工作单位", "工作单位", "employer"), Column("姓名", "姓名", "name"),
    Column("性别", "性别", "gender"), Column("身份证号码", "身份证号", "id_number"),
    Column("文化程度", "文化程度", "education_level"),
    Column("现职业资格（专业技术职称）", QUALIFICATION, None),
    Column("申报考评职业（工种）", "申报职业", "occupations"), Column("联系电话", "联系方式", "phone"),
    Column("通讯地址", "通讯地址", "address"),
]
ANNEX5 = [  # seed 001 附件5, 技能人才评价质量督导员资格培训名册汇总表
    Column("序号", None, None), Column("身份证号", "身份证号", "id_number"), Column("姓名", "姓名", "name"),
    Column("性别", "性别", "gender"), Column("出生日期", "出生日期", "birth_date"), Column("民族", "民族", "ethnicity"),
    Column("政治面貌", "政治面貌", "political_status"), Column("文化程度", "文化程度", "education_level"),
    Column("工作年限", "工作年限", "work_years"), Column("电子邮箱", "电子邮箱", "email"),
    Column("从事职业", "从事职业", "occupation"), Column("联系方式", "联系方式", "phone"),
    Column("工作单位", "工作单位", "employer"), Column("通讯地址", "通讯地址", "address"),
]
CONTRACT = [  # contract README §1, the roster columns
    Column("序号", None, None), Column("姓名", "姓名", "name"), Column("性别", "性别", "gender"),
    Column("身份证号", "身份证号", "id_number"), Column("出生日期", "出生日期", "birth_date"),
    Column("民族", "民族", "ethnicity"), Column("政治面貌", "政治面貌", "political_status"),
    Column("文化程度", "文化程度", "education_level"), Column("工作年限", "工作年限", "work_years"),
    Column("电子邮箱", "电子邮箱", "email"), Column("从事职业", "从事职业", "occupation"),
    Column("申报职业", "申报职业", "occupations"), Column("联系方式", "联系方式", "phone"),
    Column("工作单位", "工作单位", "employer"), Column("通讯地址", "通讯地址", "address"),
    Column("材料目录", "材料目录", None),
]
ORG = [  # contract README §1, organisation filings
    Column("序号", None, None), Column("机构名称", "机构名称", "org_name"),
    Column("统一社会信用代码", "统一社会信用代码", "uscc"), Column("法定代表人", "法定代表人", "legal_representative"),
    Column("注册地址", "注册地址", "address"), Column("机构类型", "机构类型", "org_type"),
    Column("申报职业", "申报职业", "occupations"), Column("材料目录", "材料目录", None),
]
TABLES: dict[str, list[Column]] = {"附件3": ANNEX3, "附件5": ANNEX5, "contract": CONTRACT, "org": ORG}
TABLE_TITLES = {"附件3": "考评员资格培训（复核）汇总表", "附件5": "质量督导员资格培训名册汇总表",
                "contract": "申报人员汇总表", "org": "机构备案汇总表"}
VERDICT_HEADERS = ["系统结论", "风险", "置信度", "问题"]
FOLDER_HEADER = "材料目录"
# Cells a spreadsheet must keep as text (18 digits become 4.4E+17; dates turn into serials).
TEXT_HEADERS = frozenset({"身份证号", "身份证号码", "统一社会信用代码", "联系方式", "联系电话", "出生日期"})

# Which documents to believe first for a field: what the applicant declared, then the
# documents that state it officially.
_DOC_PREFERENCE = ["recommendation_form", "id_card", "business_license", "work_certificate",
                   "skill_certificate", "examiner_card", "title_certificate", "diploma", "degree",
                   "application_letter", "other"]


def table_name(profile: str) -> str:
    """附件3 | 附件5 | contract | org for a profile name or path (its `roster.table`); a
    profile that cannot be loaded here (a path from another machine) gets the contract's
    table, or the filing table by its name."""
    from pipeline.profile import ProfileError, load_profile

    try:
        prof = load_profile(profile)
    except (ProfileError, OSError, ValueError):
        return "org" if str(profile).endswith("org-filing") else "contract"
    if prof.roster.table:
        return prof.roster.table
    return "org" if prof.subject == "organisation" else "contract"


def table_columns(profile: str) -> list[Column]:
    return TABLES[table_name(profile)]


def headers(profile: str, extra: Sequence[str] = ()) -> list[str]:
    """The notice's columns, the verdict, 材料目录 where the notice has none, `extra`."""
    cols = table_columns(profile)
    tail = [] if any(c.header == FOLDER_HEADER for c in cols) else [FOLDER_HEADER]
    return [c.header for c in cols] + VERDICT_HEADERS + tail + list(extra)


def _rank(doc_type: str) -> int:
    return _DOC_PREFERENCE.index(doc_type) if doc_type in _DOC_PREFERENCE else len(_DOC_PREFERENCE)


def _field(a: dict[str, Any], key: str) -> Any:
    ident = a.get("identity") or {}
    if ident.get(key) not in (None, ""):  # what the pipeline settled on across documents
        return ident[key]
    docs = sorted(a.get("documents") or [], key=lambda d: _rank(str(d.get("type"))))
    if key == "occupation":  # 从事职业: what the certificates say the person does
        docs = sorted(docs, key=lambda d: d.get("type") not in ("skill_certificate", "examiner_card"))
    for d in docs:
        fv = (d.get("fields") or {}).get(key)
        if fv and fv.get("value") not in (None, ""):
            return fv["value"]
    return None


def qualification(a: dict[str, Any]) -> str:
    """现职业资格（专业技术职称）: the skill certificates' occupation and level, the titles."""
    parts: list[str] = []
    for d in a.get("documents") or []:
        f = d.get("fields") or {}
        if d.get("type") == "skill_certificate":
            occ = format_value((f.get("occupation") or {}).get("value"))
            lvl = (f.get("skill_level") or {}).get("value")
            lvl_s = SKILL_LEVEL_NAMES.get(lvl, "") if isinstance(lvl, int) else format_value(lvl)
            text = " ".join(x for x in (occ, lvl_s) if x)
            if text:
                parts.append(text)
        elif d.get("type") == "title_certificate":
            text = format_value((f.get("title_name") or {}).get("value") or (f.get("title_level") or {}).get("value"))
            if text:
                parts.append(text)
    return "；".join(dict.fromkeys(parts))


def cell_value(a: dict[str, Any], col: Column) -> str:
    """The declared roster value, else what the documents say."""
    roster = a.get("roster") if isinstance(a.get("roster"), dict) else {}
    if col.roster and roster.get(col.roster) not in (None, ""):
        return format_value(roster[col.roster], col.key)
    if col.header == FOLDER_HEADER:
        return str(a.get("key", ""))
    if col.roster == QUALIFICATION:
        return qualification(a)
    return format_value(_field(a, col.key), col.key) if col.key else ""


def _finding(d: dict[str, Any]) -> Finding | None:
    try:
        return Finding.model_validate({k: d.get(k) for k in Finding.model_fields if d.get(k) is not None})
    except ValueError:
        return None


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def reasons(a: dict[str, Any]) -> str:
    """The 问题 cell: every finding in words, errors first, each once."""
    found = sorted(a.get("findings") or [], key=lambda f: _SEVERITY_RANK.get(str(f.get("severity")), 3))
    texts = []
    for d in found:
        f = _finding(d)
        texts.append(describe(f) if f is not None else str(d.get("message") or d.get("code") or ""))
    return "；".join(dict.fromkeys(texts))


def rows(applicants: Sequence[dict[str, Any]], profile: str,
         extra: Callable[[dict[str, Any]], list[Any]] | None = None) -> list[list[Any]]:
    """One row per applicant, in the order given (the queue's), under `headers`."""
    cols = table_columns(profile)
    folder_tail = not any(c.header == FOLDER_HEADER for c in cols)
    out: list[list[Any]] = []
    for i, a in enumerate(applicants, 1):
        row: list[Any] = [i if c.header == "序号" else cell_value(a, c) for c in cols]
        row += [decision_word(a.get("decision")), round(float(a.get("risk") or 0.0), 3),
                round(float(a.get("confidence") or 0.0), 3), reasons(a)]
        if folder_tail:
            row.append(str(a.get("key", "")))
        if extra is not None:
            row += extra(a)
        out.append(row)
    return out


_DECISION_FILL = {"不符合": "FFC7CE", "需人工复核": "FFEB9C", "通过": "C6EFCE"}
_WIDTHS = {"序号": 6, "材料目录": 22, "身份证号": 21, "身份证号码": 21, "统一社会信用代码": 21, "问题": 60,
           "通讯地址": 30, "注册地址": 30, "工作单位": 24, "机构名称": 26, "备注": 30, "审核时间": 19,
           "现职业资格（专业技术职称）": 24, "申报考评职业（工种）": 16, "电子邮箱": 22, "系统结论": 12,
           "联系电话": 14, "联系方式": 14}


def xlsx_append(ws: Any, row: list[Any]) -> None:
    """Append a row as literal values: strings never become formulas, and characters
    that openpyxl refuses (control characters from OCR) are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def write_sheet(ws: Any, head: list[str], body: list[list[Any]]) -> None:
    """The table on a worksheet: bold framed header in row 1, long numbers and dates as
    text, coloured 系统结论, wrapped cells, frozen header, a filter."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws.append(head)
    thin = Side(style="thin", color="999999")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", start_color="DDE6F0", end_color="DDE6F0")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    text_cols = [i for i, h in enumerate(head, 1) if h in TEXT_HEADERS]
    number_cols = [i for i, h in enumerate(head, 1) if h in ("风险", "置信度")]
    verdict = next((i for i, h in enumerate(head, 1) if h in ("系统结论", "结论")), None)
    for row in body:
        xlsx_append(ws, row)
        r = ws.max_row
        for c in text_cols:
            ws.cell(r, c).number_format = "@"
        for c in number_cols:
            ws.cell(r, c).number_format = "0.000"
        for cell in ws[r]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        fill = _DECISION_FILL.get(str(ws.cell(r, verdict).value)) if verdict else None
        if fill:
            ws.cell(r, verdict).fill = PatternFill("solid", start_color=fill, end_color=fill)
    for i, h in enumerate(head, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(h, 12)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions


def workbook_bytes(sheets: Sequence[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    """A workbook of (title, header, rows) sheets, the first one active."""
    from openpyxl import Workbook

    wb = Workbook()
    for n, (title, head, body) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = title[:31]
        write_sheet(ws, head, body)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
