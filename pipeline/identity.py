"""The applicant's identity as the report shows it: plain values of name, ID number,
gender and birth date (for an organisation filing: its name, USCC and legal
representative), each from the most trustworthy source that has it.

The name is the one most sources agree on (weighted by trust). Order of trust: the ID card,
then the recommendation form, then other documents, then
the roster (declared, not evidenced); within one rank the more confident reading. The ID
number is voted the same way among the valid readings (an invalid reading only when no
valid one exists): the ID card weighs most, but a card that the form, the certificates and
the roster all contradict does not make the queue show another person's number. Gender
and birth date are the ID card's printed ones when that card carries the voted number (or
no number), else derived from the voted number (digits 7–14; 17th digit odd = 男), and
only then taken from other documents or the roster.

`foreign_cards` finds, across the batch, an ID card filed in the wrong folder: its valid
number is not the one the applicant's other papers agree on, but the one another
applicant's papers agree on. That card is then set aside (`ApplicantContext.foreign`)
so that it is one root-cause finding, not a mismatch of every field it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stdnum.cn import uscc

from pipeline.context import ApplicantContext
from pipeline.types import DocType
from validators.common import (
    PERSON_TYPES,
    RANK_WEIGHT,
    Source,
    best_id_number,
    clean_gender,
    clean_id,
    clean_name,
    clean_text,
    field_sources,
    id_birth,
    id_gender,
    id_valid,
    parse_date,
)
from validators.org_filing import from_other_org

ORG_TYPES = (DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM, DocType.APPLICATION_LETTER)


def _first(sources: list[Source], rank: dict[str, int] | None = None) -> Source | None:
    def order(s: Source) -> tuple[int, float]:
        r = rank.get(s.doc_type or "", s.rank + 10) if rank else s.rank
        return r, -s.confidence

    return min(sources, key=order, default=None)


def _voted(sources: list[Source]) -> str | None:
    """The name most sources agree on, each weighted by its rank and confidence: one
    misread form must not outvote the ID card, certificates and roster that agree.
    An ID card reading still wins a tie (it weighs most)."""
    votes: dict[str, float] = {}
    for s in sources:
        v = clean_name(s.value)
        if v:
            votes[v] = votes.get(v, 0.0) + s.confidence * RANK_WEIGHT.get(s.rank, 1.0)
    return max(votes, key=lambda v: votes[v]) if votes else None


def _date(value: Any) -> str | None:
    parsed = parse_date(value)
    if parsed is None:
        return None
    d, full = parsed
    return d.isoformat() if full else d.strftime("%Y-%m")


def build_identity(ctx: ApplicantContext) -> dict[str, Any]:
    if ctx.profile.subject == "organisation":
        return _organisation(ctx)
    out: dict[str, Any] = {}
    name = _voted(field_sources(ctx, "name", PERSON_TYPES, "姓名"))
    if name:
        out["name"] = name
    idn = best_id_number(ctx, PERSON_TYPES) or _first(field_sources(ctx, "id_number", PERSON_TYPES, "身份证号"))
    number = clean_id(idn.value) if idn is not None else None
    if number:
        out["id_number"] = number
    derived_ok = number is not None and id_valid(number)
    card = (DocType.ID_CARD,)
    other_cards = {s.ref for s in field_sources(ctx, "id_number", card)
                   if derived_ok and clean_id(s.value) != number}

    def printed_on_card(key: str) -> list[Source]:
        """The card's own printed value, unless that card carries another number."""
        return [s for s in field_sources(ctx, key, card) if s.ref not in other_cards]

    printed = _first(printed_on_card("gender"))
    gender = clean_gender(printed.value) if printed else None
    if gender is None and derived_ok:
        gender = id_gender(number or "")
    if gender is None:
        other = _first([s for s in field_sources(ctx, "gender", PERSON_TYPES, "性别") if clean_gender(s.value)])
        gender = clean_gender(other.value) if other else None
    if gender:
        out["gender"] = gender
    printed = _first([s for s in printed_on_card("birth_date") if _date(s.value)])
    birth = _date(printed.value) if printed else None
    if birth is None and derived_ok:
        b = id_birth(number or "")
        birth = b.isoformat() if b else None
    if birth is None:
        dated = [s for s in field_sources(ctx, "birth_date", PERSON_TYPES, "出生日期") if _date(s.value)]
        full = [s for s in dated if len(_date(s.value) or "") == 10]
        best = _first(full) or _first(dated)
        birth = _date(best.value) if best else None
    if birth:
        out["birth_date"] = birth
    return out


def _organisation(ctx: ApplicantContext) -> dict[str, Any]:
    """Licence first, then the form, other letters, then the roster."""
    rank = {DocType.BUSINESS_LICENSE.value: 0, DocType.RECOMMENDATION_FORM.value: 1}
    out: dict[str, Any] = {}
    names = [s for s in field_sources(ctx, "org_name", ORG_TYPES, "机构名称")
             if not (s.doc_type == DocType.APPLICATION_LETTER.value and from_other_org(ctx, s))]
    name = _first(names, rank)
    if name is not None:
        out["name"] = out["org_name"] = clean_text(name.value)
    codes = field_sources(ctx, "uscc", ORG_TYPES, "统一社会信用代码")
    code = _first([s for s in codes if uscc.is_valid(clean_id(s.value))], rank) or _first(codes, rank)
    if code is not None:
        out["uscc"] = clean_id(code.value)
    rep = _first(field_sources(ctx, "legal_representative", ORG_TYPES, "法定代表人"), rank)
    if rep is not None:
        out["legal_representative"] = clean_name(rep.value)
    return out


def _own_number(ctx: ApplicantContext) -> str | None:
    """The valid ID number the applicant's papers other than the ID card agree on."""
    others = tuple(t for t in PERSON_TYPES if t != DocType.ID_CARD)
    best = best_id_number(ctx, others)
    return clean_id(best.value) if best is not None else None


def foreign_cards(contexts: Sequence[ApplicantContext]) -> dict[str, dict[str, str]]:
    """Applicant key -> {ID card document ref: key of the applicant it belongs to}.

    A card is another applicant's when its number is valid, differs from the number the
    folder's other papers (form, certificates, roster) agree on, and is the number that
    other applicant's papers agree on; a card whose name is the folder's own is a
    misprint or a misread, not a misfiled card, and stays where it is."""
    if not contexts or contexts[0].profile.subject == "organisation":
        return {}
    own = {c.key: _own_number(c) for c in contexts}
    owner_of = {n: k for k, n in own.items() if n}
    holders: dict[str, int] = {}
    for n in own.values():
        if n:
            holders[n] = holders.get(n, 0) + 1
    out: dict[str, dict[str, str]] = {}
    for ctx in contexts:
        mine = own[ctx.key]
        if mine is None:
            continue
        names = [s for s in field_sources(ctx, "name", PERSON_TYPES, "姓名") if s.doc_type != DocType.ID_CARD.value]
        my_name = _voted(names)
        for doc in ctx.of_type(DocType.ID_CARD):
            fv = doc.fields.get("id_number")
            number = clean_id(fv.value) if fv is not None else ""
            if not id_valid(number) or number == mine or holders.get(number) != 1:
                continue
            owner = owner_of.get(number)
            card_name = doc.fields.get("name")
            if owner is None or owner == ctx.key:
                continue
            if card_name is not None and my_name and clean_name(card_name.value) == my_name:
                continue
            out.setdefault(ctx.key, {})[doc.ref] = owner
    return out
