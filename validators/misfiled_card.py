"""Another applicant's ID card in this folder: one root-cause finding for the card.

Filed under the wrong applicant (or swapped between two folders), a card contradicts its
folder on every field it carries: name, number, birth date, gender. Reported field by
field, that is half a dozen findings that hide what happened. `pipeline.identity.
foreign_cards` has already told such a card apart (its number is the one another
applicant's papers agree on) and set it aside from every field comparison; this check
says so once, naming whose card it is.
"""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.types import DocType, Finding, Severity
from validators.common import PERSON_TYPES, best_id_number, clean_id, finding

# Two applicants' papers agreeing on two different valid numbers, and this card carrying
# the other's: an OCR slip cannot produce that.
CONFIDENCE = 0.95


def check(ctx: ApplicantContext) -> list[Finding]:
    if not ctx.foreign:
        return []
    mine = best_id_number(ctx, tuple(t for t in PERSON_TYPES if t != DocType.ID_CARD))
    findings = []
    for doc in ctx.of_type(DocType.ID_CARD):
        owner = ctx.foreign.get(doc.ref)
        if owner is None:
            continue
        fv = doc.fields.get("id_number")
        number = clean_id(fv.value) if fv is not None else None
        conf = min(CONFIDENCE, float(fv.confidence)) if fv is not None else CONFIDENCE
        findings.append(finding(
            "ID_NUMBER_MISMATCH", Severity.ERROR,
            f"{doc.file.rsplit('/', 1)[-1]} 上是 {owner} 的身份证（疑似放错文件夹）", conf,
            subject="id_number", documents=[doc.ref],
            expected=clean_id(mine.value) if mine is not None else None, found=number))
    return findings
