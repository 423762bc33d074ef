"""The roster's 现职业资格（专业技术职称） agrees with the certificates (seed 001 附件3,
profiles.md sc-examiner): a level the unit declared in the summary table that no
certificate in the folder shows is what a reviewer sends back.

Only levels are compared (a skill level 一级..五级, a title level 初级..正高级): the
occupation's or title's wording varies too much between table and certificate. A level
is judged only against certificates of its own kind whose level was read; a roster
without the column, or a cell that names no level, gives nothing.
"""

from __future__ import annotations

import re

from extractors import normalize as nz
from pipeline.context import ApplicantContext
from pipeline.messages import SKILL_LEVEL_NAMES
from pipeline.types import DocType, Finding, Severity
from validators.common import finding

COLUMN = "现职业资格"
# Skill-level words; 高级工 is not the start of 高级工程师, 技师 not the end of 主管技师.
_SKILL_TEXT = re.compile(r"高级技师|(?<!主管)技师|[高中初]级工(?!程)|[一二三四五1-5]\s*级(?![工技])")
_SKILL_LEVEL = {"高级技师": 1, "技师": 2, "高级工": 3, "中级工": 4, "初级工": 5, "一级": 1, "二级": 2, "三级": 3,
                "四级": 4, "五级": 5, "1级": 1, "2级": 2, "3级": 3, "4级": 4, "5级": 5}
_PARTS = re.compile(r"[；;，,、\n]+")
DOUBT = 0.85  # a level read off a certificate is still a reading


def declared_levels(text: str) -> tuple[set[int], set[str]]:
    """(skill levels, title levels) a roster cell names, e.g. "评茶员 三级/高级工；经济师 中级"
    -> ({3}, {"中级"}). Skill words are taken out before titles are looked for (中级工 is
    not the title 中级)."""
    skills: set[int] = set()
    titles: set[str] = set()
    for part in _PARTS.split(text):
        m = _SKILL_TEXT.search(part)
        if m is not None:
            skills.add(_SKILL_LEVEL[re.sub(r"\s+", "", m.group(0))])
        rest = _SKILL_TEXT.sub("", part)
        title = next((t for t in nz.TITLE_LEVELS if t in rest.replace(" ", "")), None)
        if title:
            titles.add(title)
    return skills, titles


def check(ctx: ApplicantContext) -> list[Finding]:
    row = ctx.roster_row
    text = (row.values.get(COLUMN) or "").strip() if row is not None else ""
    if not text:
        return []
    skills, titles = declared_levels(text)
    out: list[Finding] = []
    for kind, stated, field in ((DocType.SKILL_CERTIFICATE, skills, "skill_level"),
                                (DocType.TITLE_CERTIFICATE, titles, "title_level")):
        read = [(d, d.fields[field]) for d in ctx.of_type(kind)
                if d.fields.get(field) is not None and d.fields[field].value not in (None, "")]
        if not stated or not read:
            continue
        have = {fv.value for _, fv in read}
        wrong = sorted(s for s in stated if s not in have)
        if not wrong:
            continue
        word = (lambda v: SKILL_LEVEL_NAMES.get(v, str(v))) if field == "skill_level" else str
        said, shown = "、".join(word(w) for w in wrong), "、".join(word(v) for v in sorted(have, key=str))
        out.append(finding(
            "ROSTER_VALUE_INVALID", Severity.WARNING,
            f"汇总表第{row.row}行“现职业资格”填写{said}，证书上为{shown}",  # type: ignore[union-attr]
            min(fv.confidence for _, fv in read) * DOUBT, subject=COLUMN,
            documents=[d.ref for d, _ in read], expected=shown, found=f"第{row.row}行：{text}"))  # type: ignore[union-attr]
    return out
