"""Certificate and card numbers whose shape cannot be right for their document.

Conservative on purpose: numbering differs between provinces, issuers and years, so only
clearly wrong shapes are flagged: too few characters, letters where a number is all
digits (diploma and degree numbers), letters inside a skill certificate number (a
letter may only open it, as the S of the 职业技能等级证书), or a number with no digit at
all. Realistic numbers, as the sample generator makes them (people.py: S + 19 digits
or 18 digits for skill certificates, 13 digits for titles, 16–18 for diplomas and
degrees, 12 for examiner cards) always fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.context import ApplicantContext
from pipeline.types import DocType, Finding, Severity
from validators.common import clean_id, doc_label, finding, present


@dataclass(frozen=True)
class NumberRule:
    key: str  # the field holding the number
    min_len: int
    max_len: int
    prefix_letters: int  # letters allowed at the start; -1 = letters allowed anywhere
    describe: str  # the expected shape, in words


RULES: dict[DocType, NumberRule] = {
    DocType.SKILL_CERTIFICATE: NumberRule("certificate_number", 10, 26, 2, "字母开头（如S）加数字，或全为数字，10位以上"),
    DocType.TITLE_CERTIFICATE: NumberRule("certificate_number", 6, 40, -1, "6位以上，含数字"),
    DocType.DIPLOMA: NumberRule("certificate_number", 12, 22, 0, "12–22位数字"),
    DocType.DEGREE: NumberRule("certificate_number", 12, 22, 0, "12–22位数字"),
    DocType.EXAMINER_CARD: NumberRule("card_number", 6, 30, -1, "6位以上，含数字"),
}
# An OCR reading of the right number is rarely this shape; keep a margin for the doubt.
SHAPE_CONFIDENCE = 0.9


def problem(number: str, rule: NumberRule) -> str | None:
    """What is wrong with the number's shape, or None when it could be right."""
    text = re.sub(r"[第号№:：]", "", number)
    if not re.search(r"\d", text):
        return "不含数字"
    alnum = re.sub(r"[^0-9A-Za-z]", "", text)
    if len(alnum) < rule.min_len:
        return f"位数过少（{len(alnum)}位）"
    if len(alnum) > rule.max_len:
        return f"位数过多（{len(alnum)}位）"
    if rule.prefix_letters >= 0:
        if re.search(r"[^0-9A-Za-z\-]", text):
            return "含有非字母数字字符"
        head = re.match(r"[A-Za-z]*", alnum)
        lead = len(head.group(0)) if head else 0
        if lead > rule.prefix_letters or re.search(r"[A-Za-z]", alnum[lead:]):
            return "应为数字的位置出现字母" if rule.prefix_letters == 0 or lead <= rule.prefix_letters else "字母过多"
    return None


def check(ctx: ApplicantContext) -> list[Finding]:
    findings = []
    for doc in ctx.documents:
        rule = RULES.get(doc.type)
        fv = doc.fields.get(rule.key) if rule else None
        if rule is None or fv is None or not present(fv.value):
            continue
        number = clean_id(fv.value)
        why = problem(number, rule)
        if why is None:
            continue
        findings.append(finding(
            "CERT_NUMBER_INVALID", Severity.WARNING,
            f"{doc_label(doc.type)}编号“{number}”格式不符：{why}", fv.confidence * SHAPE_CONFIDENCE,
            subject=rule.key, documents=[doc.ref], expected=rule.describe, found=number))
    return findings
