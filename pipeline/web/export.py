"""The queue with the reviewers' decisions, as the provinces' summary tables (汇总表).

Columns follow seed 001: 附件5 (质量督导员资格培训名册汇总表: 序号, 身份证号, 姓名, 性别,
出生日期, 民族, 政治面貌, 文化程度, 工作年限, 电子邮箱, 从事职业, 联系方式, 工作单位,
通讯地址) with 附件3's two further columns (现职业资格(专业技术职称), 申报考评职业(工种))
in their places, then the pipeline's and the reviewer's decision. Organisation filings
use the filing roster's columns. A value comes from the roster row when the report
carries it, else from the documents (the 推荐表 first: it is what the applicant
declared), so the table can be handed on as the unit's summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from pipeline.messages import SKILL_LEVEL_NAMES, decision_word, format_value
from pipeline.report import csv_cell, xlsx_append
from pipeline.web.data import Run, by_severity, reason_text
from pipeline.web.db import REVIEW_WORDS, ReviewDecision, as_utc

# (column, field key or None when composed, roster column names to try)
PERSON_COLUMNS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("身份证号", "id_number", ("身份证号", "身份证号码")),
    ("姓名", "name", ("姓名",)),
    ("性别", "gender", ("性别",)),
    ("出生日期", "birth_date", ("出生日期",)),
    ("民族", "ethnicity", ("民族",)),
    ("政治面貌", "political_status", ("政治面貌",)),
    ("文化程度", "education_level", ("文化程度",)),
    ("工作年限", "work_years", ("工作年限",)),
    ("电子邮箱", "email", ("电子邮箱",)),
    ("从事职业", "occupation", ("从事职业",)),
    ("现职业资格(专业技术职称)", None, ("现职业资格", "现职业资格(专业技术职称)")),
    ("申报职业(工种)", "occupations", ("申报职业", "申报考评职业(工种)")),
    ("联系方式", "phone", ("联系方式", "联系电话")),
    ("工作单位", "employer", ("工作单位",)),
    ("通讯地址", "address", ("通讯地址",)),
]
ORG_COLUMNS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("机构名称", "org_name", ("机构名称",)),
    ("统一社会信用代码", "uscc", ("统一社会信用代码",)),
    ("法定代表人", "legal_representative", ("法定代表人",)),
    ("注册地址", "address", ("注册地址",)),
    ("机构类型", "org_type", ("机构类型",)),
    ("申报职业", "occupations", ("申报职业",)),
]
DECISION_COLUMNS = ["系统结论", "风险", "问题", "审核结论", "审核人", "审核时间", "备注", "与系统结论不同"]
TEXT_COLUMNS = frozenset({"身份证号", "统一社会信用代码", "联系方式", "出生日期"})

# Which documents to believe first for a field: what the applicant declared, then the
# documents that state it officially.
_DOC_PREFERENCE = ["recommendation_form", "id_card", "business_license", "work_certificate",
                   "skill_certificate", "examiner_card", "title_certificate", "diploma", "degree",
                   "application_letter", "other"]


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


def _qualification(a: dict[str, Any]) -> str:
    """现职业资格(专业技术职称): the skill certificates' occupation and level, the titles."""
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


def _value(a: dict[str, Any], key: str | None, roster_names: tuple[str, ...]) -> str:
    roster = a.get("roster") if isinstance(a.get("roster"), dict) else {}
    for name in roster_names:
        if roster.get(name) not in (None, ""):
            return format_value(roster[name], key)
    if key is None:
        return _qualification(a)
    return format_value(_field(a, key), key)


def _local(t: dt.datetime) -> str:
    return as_utc(t).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def export_headers(run: Run) -> list[str]:
    cols = ORG_COLUMNS if run.is_org else PERSON_COLUMNS
    return ["序号", "材料目录", *(c for c, _, _ in cols), *DECISION_COLUMNS]


def export_rows(run: Run, decisions: dict[str, ReviewDecision]) -> list[list[Any]]:
    """One row per applicant in queue order; full ID numbers (the table is handed on)."""
    cols = ORG_COLUMNS if run.is_org else PERSON_COLUMNS
    rows: list[list[Any]] = []
    for i, a in enumerate(run.applicants, 1):
        r = decisions.get(a["key"])
        reasons = "；".join(dict.fromkeys(reason_text(f) for f in by_severity(a.get("findings") or [])))
        rows.append([
            i, a["key"], *(_value(a, k, names) for _, k, names in cols),
            decision_word(a.get("decision")), round(float(a.get("risk") or 0.0), 3), reasons,
            REVIEW_WORDS.get(r.decision, r.decision) if r else "",
            r.user.name if r else "",
            _local(r.decided_at) if r else "",
            r.note if r else "",
            ("是" if r.override else "否") if r else "",
        ])
    return rows


def export_csv(run: Run, decisions: dict[str, ReviewDecision]) -> bytes:
    """UTF-8 with BOM (Excel on Windows), formula-looking text defused like queue.csv."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(export_headers(run))
    w.writerows([csv_cell(v) for v in row] for row in export_rows(run, decisions))
    return buf.getvalue().encode("utf-8-sig")


def export_xlsx(run: Run, decisions: dict[str, ReviewDecision]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    headers = export_headers(run)
    wb = Workbook()
    ws = wb.active
    ws.title = "审核汇总表"
    ws.append(headers)
    thin = Side(style="thin", color="999999")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", start_color="DDE6F0", end_color="DDE6F0")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    text_cols = [i for i, h in enumerate(headers, 1) if h in TEXT_COLUMNS]
    for row in export_rows(run, decisions):
        xlsx_append(ws, row)
        for c in text_cols:
            ws.cell(ws.max_row, c).number_format = "@"
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = {"序号": 6, "材料目录": 22, "身份证号": 21, "统一社会信用代码": 21, "问题": 50,
              "通讯地址": 30, "注册地址": 30, "工作单位": 24, "机构名称": 26, "备注": 30,
              "审核时间": 19, "现职业资格(专业技术职称)": 22, "电子邮箱": 22}
    for i, h in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(h, 12)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
