"""Defect injection: edit a planned batch so that some applicants break a rule, and
record in each such applicant's `expected_findings` the codes the pipeline must raise.

Injection sits between `plan_batch` and `render_batch`: it edits document specs
(their `fields` are what the renderers print and what truth.json records), file plans
(a dropped document) and roster rows, so the rendered files carry the defect and the
truth says which finding it should cause. Only defects that the profile's rules turn
into findings are drawn (no qualification rule, no LEVEL_INSUFFICIENT), so recall is
measured against what the profile really asks.

Each defective applicant gets exactly one defect (a duplicate ID takes two applicants);
kinds are dealt round-robin from a per-seed shuffle so they spread evenly, and the
whole draw depends only on (seed, profile, rate, family).

Two families of kinds: `rules` (below: identity, roster, eligibility, documents), the
default and what every batch with a defect rate had before; `forgery` (seals, photos,
duplicate pages, pasted fields: pipeline.samples.forgery), dealt only when asked for;
`all` deals both.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

from stdnum.cn import ric

from pipeline.profile import Profile, load_profile
from pipeline.samples.documents import DocSpec, add_years, iso, ym
from pipeline.samples.forgery import (
    FORGERY_DEFECTS,
    FORGERY_INJECTORS,
    FORGERY_PAIR_KINDS,
    forgery_applies,
    forgery_kinds,
    pair_applies,
)
from pipeline.samples.people import (
    REFERENCE_DATE,
    REGIONS,
    SKILL_LEVEL_NAMES,
    TITLE_LEVEL_RANK,
    TITLES,
    make_name,
    region_valid_in,
)
from pipeline.samples.specs import ApplicantSpec, BatchSpec

# kind -> (code, subject) it must raise (None: no finding, seal_over_text). Order is the
# deal order before the shuffle.
DEFECTS: dict[str, tuple[str | None, str | None]] = {
    "wrong_name": ("NAME_MISMATCH", "name"),
    "id_digit": ("ID_NUMBER_MISMATCH", "id_number"),
    "bad_check_digit": ("ID_NUMBER_INVALID", "id_number"),
    "roster_birth_date": ("BIRTH_DATE_MISMATCH", "birth_date"),
    "roster_gender": ("GENDER_MISMATCH", "gender"),
    "level_too_low": ("LEVEL_INSUFFICIENT", None),
    "short_summary": ("WORK_SUMMARY_TOO_SHORT", "work_summary"),
    "age_over_limit": ("AGE_LIMIT", None),
    "work_years_low": ("WORK_YEARS_INSUFFICIENT", None),
    "roster_abbreviation": ("ROSTER_VALUE_INVALID", "政治面貌"),  # or 文化程度 for 群众
    "doc_missing": ("DOC_MISSING", None),  # subject: the requirement's first type
    "duplicate_id": ("DUPLICATE_ID_IN_BATCH", None),
    "id_card_expired": ("ID_CARD_EXPIRED", None),
    # Not dealt by `inject_defects` (it would reshuffle every seeded batch): inject it by name.
    "misfiled_id_card": ("ID_NUMBER_MISMATCH", "id_number"),
    **FORGERY_DEFECTS,
}
PAIR_KINDS = {"duplicate_id", "misfiled_id_card", *FORGERY_PAIR_KINDS}
FAMILIES = ("rules", "forgery", "all")
CERT_TYPES = ("skill_certificate", "title_certificate", "diploma", "degree", "examiner_card")
# Abbreviations reviewers see in real tables (seed 001 附件5 forbids them).
POLITICAL_SHORT = {"中共党员": "党员", "共青团员": "团员", "民主党派人士": "民主党派", "无党派民主人士": "无党派"}
EDUCATION_SHORT = {"大学本科": "本科", "大学专科": "大专", "研究生": "硕士"}


def profile_kinds(profile: str | Profile, family: str = "rules") -> list[str]:
    """The defect kinds of a family (rules, forgery or all) the profile's rules turn
    into findings."""
    prof = load_profile(profile) if isinstance(profile, str) else profile
    if family not in FAMILIES:
        raise ValueError(f"unknown defect family {family!r}; known: {', '.join(FAMILIES)}")
    if family == "forgery":
        return forgery_kinds(prof)
    if family == "all":
        return profile_kinds(prof) + forgery_kinds(prof)
    if prof.subject == "organisation":
        return ["doc_missing"] if prof.required else []
    kinds = ["wrong_name", "id_digit", "bad_check_digit", "roster_birth_date", "roster_gender"]
    if prof.qualification is not None:
        kinds.append("level_too_low")
    if prof.work_summary_min_chars:
        kinds.append("short_summary")
    if prof.age_max is not None:
        kinds.append("age_over_limit")
    if prof.min_work_years:
        kinds.append("work_years_low")
    kinds.append("roster_abbreviation")
    if _droppable(prof):
        kinds.append("doc_missing")
    kinds += ["duplicate_id", "id_card_expired"]
    return kinds


def _droppable(prof: Profile) -> list[list[str]]:
    """Requirements whose absence is only DOC_MISSING: not the photo (that is also
    PHOTO_MISSING, a different rule)."""
    return [[t.value for t in alts] for alts in prof.required if not any(t.value == "photo" for t in alts)]


def applies(kind: str, a: ApplicantSpec, prof: Profile) -> bool:
    """Whether this applicant's documents let the defect show (an expired ID card needs
    an ID card, a short summary needs the form that carries it)."""
    if kind in FORGERY_INJECTORS:
        return forgery_applies(kind, a, prof)
    types = {a.docs[i].doc_type for plan in a.files for i in plan.docs}
    if kind == "wrong_name":
        return bool(_docs_with(a, "name", exclude=("id_card",)))
    if kind == "id_digit":
        return bool(_docs_with(a, "id_number", exclude=("id_card",)))
    if kind in ("roster_birth_date", "roster_gender", "roster_abbreviation"):
        return bool(a.roster) and not a.org_filing
    if kind == "level_too_low":
        return bool(types & {"skill_certificate", "title_certificate"})
    if kind == "short_summary":
        return bool(_docs_with(a, "work_summary"))
    if kind == "work_years_low":
        return "work_certificate" in types
    if kind == "doc_missing":
        return any(types & set(alts) for alts in _droppable(prof))
    if kind == "id_card_expired":
        return any(d.doc_type == "id_card" and d.variant == "back" for d in _planned(a))
    if kind == "misfiled_id_card":
        return any(d.doc_type == "id_card" and d.variant == "front" for d in _planned(a)) and not a.org_filing
    return True


# ---------------------------------------------------------------- helpers


def _planned(a: ApplicantSpec) -> list[DocSpec]:
    """The documents that will be written (a dropped document stays in `docs`)."""
    seen = sorted({i for plan in a.files for i in plan.docs})
    return [a.docs[i] for i in seen]


def _docs_with(a: ApplicantSpec, key: str, exclude: tuple[str, ...] = ()) -> list[DocSpec]:
    return [d for d in _planned(a) if key in d.fields and d.doc_type not in exclude]


def _pick(docs: list[DocSpec], prefer: tuple[str, ...], rng: random.Random) -> DocSpec:
    best = [d for d in docs if d.doc_type in prefer] or docs
    return rng.choice(best)


def _expect(a: ApplicantSpec, kind: str, subject: str | None = None) -> None:
    code, default = DEFECTS[kind]
    a.expected_findings.append({"code": code, "subject": subject if subject is not None else default,
                                "defect": kind})


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _same_format(old: str, new: dt.date) -> str:
    return ym(new) if len(old) == 7 else iso(new)


def _age(birth: dt.date, at: dt.date = REFERENCE_DATE) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def rewrite_identity(a: ApplicantSpec, id_number: str | None = None, birth: dt.date | None = None,
                     gender: str | None = None) -> None:
    """Change who the applicant is on every document, the roster and the person, so
    that the applicant stays internally consistent (only the intended rule breaks)."""
    p = a.person
    for d in a.docs:
        f = d.fields
        if id_number is not None and "id_number" in f:
            f["id_number"] = id_number
        if birth is not None and f.get("birth_date"):
            f["birth_date"] = _same_format(f["birth_date"], birth)
        if gender is not None and "gender" in f:
            f["gender"] = gender
        if birth is not None and "age" in d.extra:
            d.extra["age"] = _age(birth)
        if birth is not None and d.doc_type == "id_card" and d.variant == "back" and f.get("valid_from"):
            if _age(birth, dt.date.fromisoformat(f["valid_from"])) >= 46:
                f["valid_to"] = "长期"
    if id_number is not None:
        p.id_number = id_number
        a.roster["身份证号"] = id_number
    if birth is not None:
        p.birth_date = birth
        a.roster["出生日期"] = birth.isoformat()
    if gender is not None:
        p.gender = gender
        a.roster["性别"] = gender


def _used_ids(spec: BatchSpec) -> set[str]:
    return {x.person.id_number for x in spec.applicants}


# ---------------------------------------------------------------- the defects


def _wrong_name(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """One certificate made out to somebody else (a borrowed or edited certificate)."""
    doc = _pick(_docs_with(a, "name", exclude=("id_card",)), CERT_TYPES, rng)
    name = a.person.name
    other = make_name(rng, a.person.gender)
    while other[0] == name[0] or other == name:
        other = make_name(rng, a.person.gender)
    doc.fields["name"] = other
    _expect(a, "wrong_name")


def _id_digit(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """One document carries an ID number one digit off, with a valid check digit: a
    real difference, not an OCR confusion. The order code changes, so birth date and
    gender still agree."""
    doc = _pick(_docs_with(a, "id_number", exclude=("id_card",)), CERT_TYPES, rng)
    idn, used = a.person.id_number, _used_ids(spec)
    while True:
        pos = rng.choice((14, 15))
        digit = rng.choice([c for c in "0123456789" if c != idn[pos]])
        new = with_check_digit(idn[:pos] + digit + idn[pos + 1:17])
        if new not in used:
            break
    doc.fields["id_number"] = new
    _expect(a, "id_digit")


def _bad_check_digit(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """A number failing GB 11643, the same on every document and the roster (a made-up
    or mistyped number copied everywhere)."""
    idn = a.person.id_number
    wrong = rng.choice([c for c in "0123456789X" if c != idn[17]])
    rewrite_identity(a, id_number=idn[:17] + wrong)
    _expect(a, "bad_check_digit")


def _roster_birth_date(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """The roster declares another birth date (a typo in the summary table)."""
    b = a.person.birth_date
    off = rng.choice((rng.randint(1, 27), -rng.randint(1, 27), 365 * rng.choice((1, -1, 10))))
    a.roster["出生日期"] = (b + dt.timedelta(days=off)).isoformat()
    _expect(a, "roster_birth_date")


def _roster_gender(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    a.roster["性别"] = "女" if a.person.gender == "男" else "男"
    _expect(a, "roster_gender")


def _level_too_low(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """Every qualification one step (or more) below what the profile asks, on the
    certificates and in the form's own lines and work summary."""
    q = prof.qualification
    assert q is not None
    p = a.person
    old_lvl, old_title = SKILL_LEVEL_NAMES[p.skill_level], p.title
    if q.skill_level_max is not None and q.skill_level_max < 5:
        p.skill_level = rng.randint(q.skill_level_max + 1, min(5, q.skill_level_max + 2))
    floor = TITLE_LEVEL_RANK[q.title_level_min] if q.title_level_min else 4
    low = [t for t in TITLES if TITLE_LEVEL_RANK[t[2]] > floor] or [t for t in TITLES if t[2] == "初级"]
    p.title = rng.choice(low)
    new_lvl = SKILL_LEVEL_NAMES[p.skill_level]
    for d in a.docs:
        if d.doc_type == "skill_certificate":
            d.fields["skill_level"] = p.skill_level
        elif d.doc_type == "title_certificate":
            d.fields.update(specialty=p.title[0], title_name=p.title[1], title_level=p.title[2])
        elif d.doc_type == "recommendation_form":
            if "level" in d.extra:
                d.extra["level"] = new_lvl
            if "title" in d.extra:
                d.extra["title"] = p.title
            if "work_summary" in d.fields:
                d.fields["work_summary"] = (d.fields["work_summary"]
                                            .replace(f"{old_lvl[0]}/{old_lvl[1]}", f"{new_lvl[0]}/{new_lvl[1]}")
                                            .replace(f"取得{old_title[1]}", f"取得{p.title[1]}"))
    _expect(a, "level_too_low")


def _short_summary(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """A work summary cut to its first sentences, well under the profile's minimum."""
    limit = prof.work_summary_min_chars or 200
    for d in _docs_with(a, "work_summary"):
        text, out = d.fields["work_summary"], ""
        for sentence in text.split("。"):
            if not sentence:
                continue
            if len(out) + len(sentence) + 1 > int(limit * rng.uniform(0.35, 0.7)) and out:
                break
            out += sentence + "。"
        d.fields["work_summary"] = out[: limit - 20]
    _expect(a, "short_summary")


def _age_over_limit(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """The applicant born 1 to 5 years too early for the age limit: a new birth date and
    an ID number to match, everywhere."""
    assert prof.age_max is not None
    p, used = a.person, _used_ids(spec)
    while True:
        years = prof.age_max + rng.randint(1, 5)
        birth = dt.date(REFERENCE_DATE.year - years - 1, rng.randint(1, 12), rng.randint(1, 28))
        region = p.region if region_valid_in(p.region, birth) else rng.choice(
            [r for r in REGIONS if r.province == p.region.province and region_valid_in(r, birth)] or [p.region])
        idn = with_check_digit(f"{region.code}{birth:%Y%m%d}{p.id_number[14:17]}")
        if idn not in used:
            break
    rewrite_identity(a, id_number=idn, birth=birth)
    _expect(a, "age_over_limit")


def _work_years_low(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """The work certificate states less evaluation work than the profile asks."""
    start = REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 250))
    for d in a.docs:
        if d.doc_type == "work_certificate":
            d.fields.update(work_years=0, start_date=ym(start))
        elif d.doc_type == "recommendation_form" and "work_years" in d.extra:
            d.extra["work_years"] = 0
    _expect(a, "work_years_low")


def _roster_abbreviation(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """政治面貌 abbreviated in the summary table (党员 for 中共党员); for 群众, which has
    no short form, the 文化程度 is abbreviated instead (本科 for 大学本科)."""
    pol = a.roster.get("政治面貌", "")
    if pol in POLITICAL_SHORT:
        a.roster["政治面貌"] = POLITICAL_SHORT[pol]
        _expect(a, "roster_abbreviation", "政治面貌")
        return
    edu = a.roster.get("文化程度", "")
    a.roster["文化程度"] = EDUCATION_SHORT.get(edu, "本科")
    _expect(a, "roster_abbreviation", "文化程度")


def _doc_missing(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """One required document (all alternatives of the requirement) left out of the files."""
    types = {d.doc_type for d in _planned(a)}
    alts = rng.choice([alts for alts in _droppable(prof) if types & set(alts)])
    drop = {i for i, d in enumerate(a.docs) if d.doc_type in alts}
    for plan in a.files:
        plan.docs = [i for i in plan.docs if i not in drop]
    a.files = [plan for plan in a.files if plan.docs]
    _expect(a, "doc_missing", alts[0])


def _duplicate_id(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile,
                  partner: ApplicantSpec | None = None) -> None:
    """The partner applicant carries the same ID number (with its birth date and gender,
    so that only the duplicate is wrong)."""
    assert partner is not None
    p = a.person
    rewrite_identity(partner, id_number=p.id_number, birth=p.birth_date, gender=p.gender)
    _expect(a, "duplicate_id")
    _expect(partner, "duplicate_id")


def _id_card_expired(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile) -> None:
    """The ID card's validity ended months before the batch date."""
    back = next(d for d in _planned(a) if d.doc_type == "id_card" and d.variant == "back")
    end = REFERENCE_DATE - dt.timedelta(days=rng.randint(20, 700))
    years = 20 if _age(a.person.birth_date, add_years(end, -20)) >= 26 else 10
    back.fields.update(valid_from=iso(add_years(end, -years)), valid_to=iso(end))
    _expect(a, "id_card_expired")


def _misfiled_id_card(spec: BatchSpec, a: ApplicantSpec, rng: random.Random, prof: Profile,
                      partner: ApplicantSpec | None = None) -> None:
    """The applicant's ID card copy is the partner's (both sides): a card filed in the
    wrong folder. The partner's own papers stay as they are; only the applicant whose
    folder holds the stranger's card has a finding, one, naming the partner."""
    assert partner is not None
    theirs = {d.variant: d for d in partner.docs if d.doc_type == "id_card"}
    for d in _planned(a):
        if d.doc_type == "id_card" and d.variant in theirs:
            d.fields = dict(theirs[d.variant].fields)
            d.extra = {**d.extra, **{k: v for k, v in theirs[d.variant].extra.items() if k == "photo_seed"}}
    a.expected_findings.append({"code": "ID_NUMBER_MISMATCH", "subject": "id_number",
                                "defect": "misfiled_id_card", "partner": partner.key})


INJECTORS: dict[str, Callable[..., None]] = {
    "wrong_name": _wrong_name,
    "id_digit": _id_digit,
    "bad_check_digit": _bad_check_digit,
    "roster_birth_date": _roster_birth_date,
    "roster_gender": _roster_gender,
    "level_too_low": _level_too_low,
    "short_summary": _short_summary,
    "age_over_limit": _age_over_limit,
    "work_years_low": _work_years_low,
    "roster_abbreviation": _roster_abbreviation,
    "doc_missing": _doc_missing,
    "duplicate_id": _duplicate_id,
    "id_card_expired": _id_card_expired,
    "misfiled_id_card": _misfiled_id_card,
    **FORGERY_INJECTORS,
}


def inject(spec: BatchSpec, index: int, kind: str, rng: random.Random | None = None,
           partner: int | None = None) -> None:
    """Apply one defect to applicant `index` (and `partner` for a pair kind)."""
    prof = load_profile(spec.profile)
    rng = rng or random.Random(f"certriage-defect:{spec.seed}:{spec.profile}:{index}:{kind}")
    a = spec.applicants[index]
    if kind in PAIR_KINDS:
        if partner is None:
            raise ValueError(f"defect {kind!r} needs a partner applicant")
        INJECTORS[kind](spec, a, rng, prof, spec.applicants[partner])
    else:
        INJECTORS[kind](spec, a, rng, prof)


def inject_defects(spec: BatchSpec, rate: float, family: str = "rules") -> list[tuple[str, str]]:
    """Give about `rate` of the applicants one defect each; returns (key, kind) pairs.

    Applicants are taken in a per-seed shuffled order and kinds dealt round-robin from
    a per-seed shuffle of the profile's kinds of that family; an applicant the next kind
    cannot apply to takes the first kind after it that can. A pair kind's partner is the
    next applicant in that order that can be one (moved up to be next)."""
    if rate <= 0 or not spec.applicants:
        return []
    prof = load_profile(spec.profile)
    kinds = profile_kinds(prof, family)
    if not kinds:
        return []
    salt = "" if family == "rules" else f":{family}"
    rng = random.Random(f"certriage-defects:{spec.seed}:{spec.profile}{salt}")
    order = list(range(len(spec.applicants)))
    rng.shuffle(order)
    rng.shuffle(kinds)
    budget = min(len(order), max(1, math.floor(rate * len(order) + 0.5)))
    done: list[tuple[str, str]] = []
    turn, pos = 0, 0
    while budget > 0 and pos < len(order):
        a = spec.applicants[order[pos]]
        chosen = None
        for k in range(len(kinds)):
            kind = kinds[(turn + k) % len(kinds)]
            if kind in PAIR_KINDS and (budget < 2 or pos + 1 >= len(order)):
                continue
            if applies(kind, a, prof) and (kind not in PAIR_KINDS or _bring_partner(spec, order, pos, kind, prof)):
                chosen = kind
                turn = (turn + k + 1) % len(kinds)
                break
        if chosen is None:
            pos += 1
            continue
        sub = random.Random(f"certriage-defect:{spec.seed}:{spec.profile}:{a.index}:{chosen}")
        if chosen in PAIR_KINDS:
            partner = order[pos + 1]
            inject(spec, order[pos], chosen, sub, partner)
            done += [(a.key, chosen), (spec.applicants[partner].key, chosen)]
            pos, budget = pos + 2, budget - 2
        else:
            inject(spec, order[pos], chosen, sub)
            done.append((a.key, chosen))
            pos, budget = pos + 1, budget - 1
    return done


# What `certriage demo` shows a newcomer: a field that differs between documents, a
# document without its seal, a photo on the wrong background, one photo in two folders.
SHOWCASE = ("wrong_name", "no_seal", "photo_background", "same_photo")


def inject_showcase(spec: BatchSpec, kinds: tuple[str, ...] = SHOWCASE) -> list[tuple[str, str]]:
    """One applicant per kind, the first applicant left clean (so the demo shows a pass
    next to what certriage catches); a kind no remaining applicant can take, or a pair
    without two applicants left, is skipped. Returns (key, kind) pairs."""
    prof = load_profile(spec.profile)
    free = list(range(1, len(spec.applicants)))
    done: list[tuple[str, str]] = []
    for kind in kinds:
        if kind not in profile_kinds(prof, "all"):
            continue
        for n, i in enumerate(free):
            a = spec.applicants[i]
            if not applies(kind, a, prof):
                continue
            partner = None
            if kind in PAIR_KINDS:
                partner = next((j for j in free[n + 1:] if pair_applies(kind, a, spec.applicants[j], prof)), None)
                if partner is None:
                    continue
            rng = random.Random(f"certriage-defect:{spec.seed}:{spec.profile}:{a.index}:{kind}")
            inject(spec, i, kind, rng, partner)
            free.remove(i)
            done.append((a.key, kind))
            if partner is not None:
                free.remove(partner)
                done.append((spec.applicants[partner].key, kind))
            break
    return done


def _bring_partner(spec: BatchSpec, order: list[int], pos: int, kind: str, prof: Profile) -> bool:
    """Move the first later applicant that can partner `order[pos]` in `kind` to
    pos + 1; False when there is none (duplicate_id takes any, so nothing moves)."""
    a = spec.applicants[order[pos]]
    for k in range(pos + 1, len(order)):
        if pair_applies(kind, a, spec.applicants[order[k]], prof):
            order[pos + 1], order[k] = order[k], order[pos + 1]
            return True
    return False


def describe(kinds: list[str]) -> list[dict[str, Any]]:
    """The kinds with their codes, as the bench prints them."""
    return [{"defect": k, "code": DEFECTS[k][0], "subject": DEFECTS[k][1]} for k in kinds]
