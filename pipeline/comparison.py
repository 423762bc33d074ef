"""The consistency table: the roster row beside each document's values, field by field.

Shown by the web UI (pipeline.web) and by report.html (pipeline.report), so it lives
below both: neither imports the other for it. ID and phone numbers are masked, the full
value kept in `Secrets` for the logged reveal route."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.messages import doc_type_name, format_value, mask_id, ref_label

SECRET_FIELDS = frozenset({"id_number", "phone"})  # masked until the reviewer reveals

# The consistency table: person fields the documents and the roster both carry.
COMPARE_FIELDS: list[tuple[str, str]] = [
    ("name", "姓名"), ("gender", "性别"), ("id_number", "身份证号"), ("birth_date", "出生日期"),
    ("ethnicity", "民族"), ("political_status", "政治面貌"), ("education_level", "文化程度"),
    ("work_years", "工作年限"), ("email", "电子邮箱"), ("occupation", "从事职业"),
    ("occupations", "申报职业"), ("phone", "联系方式"), ("employer", "工作单位"),
    ("address", "通讯地址"),
]
ORG_COMPARE_FIELDS: list[tuple[str, str]] = [
    ("org_name", "机构名称"), ("uscc", "统一社会信用代码"), ("legal_representative", "法定代表人"),
    ("address", "注册地址"), ("org_type", "机构类型"), ("occupations", "申报职业"),
]


def mask_phone(s: str) -> str:
    """138****5678: the usual Chinese phone mask (first 3 and last 4 digits shown)."""
    n = len(s)
    if n >= 8:
        return s[:3] + "*" * (n - 7) + s[-4:]
    if n > 4:
        return "*" * (n - 4) + s[-4:]
    return "*" * n


def mask_value(key: str, value: Any) -> str:
    text = format_value(value, key)
    if key in ("phone", "联系方式", "联系电话"):
        return mask_phone(text)
    return mask_id(text)


class Secrets:
    """The full values behind masked cells, handed out only by the logged reveal route."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def add(self, value: str) -> int:
        if value in self.values:
            return self.values.index(value)
        self.values.append(value)
        return len(self.values) - 1


@dataclass
class Cell:
    text: str
    secret: int | None = None
    differs: bool = False


@dataclass
class Comparison:
    columns: list[tuple[str, str]]  # (title, file): 汇总表 first when the report has it
    rows: list[tuple[str, list[Cell]]]
    has_roster: bool


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).upper()


def comparison(a: dict[str, Any], is_org: bool, secrets: Secrets) -> Comparison:
    """The roster row beside each document's values, field by field; a cell that
    differs from the others of its row is marked.

    report.json carries the roster row only when the pipeline adds it as
    ``applicant["roster"]`` ({column: value}); without it the table shows the documents
    and the identity the pipeline settled on."""
    fields = ORG_COMPARE_FIELDS if is_org else COMPARE_FIELDS
    roster = a.get("roster") if isinstance(a.get("roster"), dict) else None
    identity = a.get("identity") or {}
    docs = [d for d in a.get("documents") or []
            if any(k in (d.get("fields") or {}) for k, _ in fields)]
    columns = ([("汇总表", "")] if roster is not None else []) + [("系统认定", "")] + [
        (doc_type_name(d.get("type")).split("/")[0], ref_label(d["file"])) for d in docs]
    rows: list[tuple[str, list[Cell]]] = []
    for key, column in fields:
        values: list[str] = []
        if roster is not None:
            v = roster.get(column)
            if v is None and column == "联系方式":
                v = roster.get("联系电话")
            values.append(format_value(v, key) if v is not None else "")
        values.append(format_value(identity.get(key), key) if identity.get(key) is not None else "")
        for d in docs:
            fv = (d.get("fields") or {}).get(key)
            if key == "education_level" and d.get("type") == "degree":
                fv = None  # a degree's level is 学士/硕士/博士, not a 文化程度 word
            values.append(format_value(fv.get("value"), key) if fv else "")
        if not any(values):
            continue
        present = [_norm(v) for v in values if v]
        # The most frequent value; on a tie the pipeline's settled value, then the longest
        # (1985-10-03 over 1985-10), then the smallest (never set order, which varies from
        # one process to the next); a value that is a prefix of it (a date known to the
        # month) does not differ.
        settled = _norm(values[1 if roster is not None else 0])
        common = max(sorted(set(present), key=lambda v: (v != settled, -len(v), v)), key=present.count)
        cells = []
        for v in values:
            n = _norm(v)
            cell = Cell(text=v, differs=bool(v) and not common.startswith(n) and not n.startswith(common))
            if v and (key in SECRET_FIELDS):
                cell.secret = secrets.add(v)
                cell.text = mask_value(key, v)
            cells.append(cell)
        rows.append((column, cells))
    return Comparison(columns=columns, rows=rows, has_roster=roster is not None)
