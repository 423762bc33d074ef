"""The queue with the reviewers' decisions, as the notice's own summary table (汇总表).

The table is pipeline.summary_table's, the same as the CLI's queue.xlsx: per profile the
notice's columns in its order (seed 001 附件3 for examiners, 附件5 for quality
supervisors, the contract's roster or filing columns otherwise), then 系统结论, 风险,
置信度, 问题, 材料目录, then the reviewer's decision, so the table can be handed on as the
unit's summary with the review beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from pipeline import summary_table as st
from pipeline.report import csv_cell
from pipeline.web.data import Run
from pipeline.web.db import REVIEW_WORDS, ReviewDecision, as_utc

DECISION_COLUMNS = ["审核结论", "审核人", "审核时间", "备注", "与系统结论不同"]


def _local(t: dt.datetime) -> str:
    return as_utc(t).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _profile(run: Run) -> str:
    return str(run.report.get("profile") or "generic")


def export_headers(run: Run) -> list[str]:
    return st.headers(_profile(run), DECISION_COLUMNS)


def export_rows(run: Run, decisions: dict[str, ReviewDecision]) -> list[list[Any]]:
    """One row per applicant in queue order; full ID numbers (the table is handed on)."""

    def review(a: dict[str, Any]) -> list[Any]:
        r = decisions.get(a["key"])
        if r is None:
            return ["", "", "", "", ""]
        return [REVIEW_WORDS.get(r.decision, r.decision), r.user.name, _local(r.decided_at), r.note,
                "是" if r.override else "否"]

    return st.rows(run.applicants, _profile(run), review)


def export_csv(run: Run, decisions: dict[str, ReviewDecision]) -> bytes:
    """UTF-8 with BOM (Excel on Windows), formula-looking text defused like queue.csv."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(export_headers(run))
    w.writerows([csv_cell(v) for v in row] for row in export_rows(run, decisions))
    return buf.getvalue().encode("utf-8-sig")


def export_xlsx(run: Run, decisions: dict[str, ReviewDecision]) -> bytes:
    return st.workbook_bytes([("审核汇总表", export_headers(run), export_rows(run, decisions))])
