"""Synthetic applicant batches laid out as the contract's §1, with truth.json beside.

Two steps, so that defect injection can sit between them:
`plan_batch` draws every applicant as a spec (person, document specs, file plans,
roster row) from the seed; `render_batch` writes the files, the roster and the truth.
`generate_batch` does both.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pipeline.samples.defects import inject_defects
from pipeline.samples.documents import DocSpec, build_doc, draw_style, photo_size, seal_places
from pipeline.samples.forgery import copy_pages, post_render
from pipeline.samples.packaging import (
    FILE_NAMES,
    PACKAGINGS,
    FilePlan,
    file_name,
    generic_file_name,
    unique_names,
    write_file,
)
from pipeline.samples.people import (
    CURRENT_REGIONS,
    REFERENCE_DATE,
    SKILL_LEVEL_NAMES,
    Org,
    Person,
    make_org,
    make_person,
)
from pipeline.samples.photos import distinct_photo_seed
from pipeline.samples.rng import variety_rng
from pipeline.samples.seals import vary_inks
from pipeline.samples.specs import ApplicantSpec, BatchSpec

ROSTER_COLUMNS = ("序号", "姓名", "性别", "身份证号", "出生日期", "民族", "政治面貌", "文化程度", "工作年限",
                  "电子邮箱", "从事职业", "申报职业", "联系方式", "工作单位", "通讯地址", "材料目录")
ORG_ROSTER_COLUMNS = ("序号", "机构名称", "统一社会信用代码", "法定代表人", "注册地址", "机构类型", "申报职业",
                      "材料目录")
ANNEX3_PROFILES = ("sc-examiner", "sc-senior-examiner")
QUALIFICATION_COLUMN = "现职业资格"
PROFILES = ("generic", "gd-supervisor", "sc-examiner", "sc-senior-examiner", "sc-supervisor",
            "ah-examiner", "gz-expert", "gd-org-filing")
PROVINCE_OF = {"gd-supervisor": "广东省", "gz-expert": "广东省", "gd-org-filing": "广东省",
               "sc-examiner": "四川省", "sc-senior-examiner": "四川省", "sc-supervisor": "四川省",
               "ah-examiner": "安徽省"}
# (largest allowed skill level number, lowest allowed title rank) for a clean applicant
QUALIFICATION = {"sc-senior-examiner": (1, 2), "gz-expert": (2, 3)}
FIXED_ZIP_TIME = (2026, 6, 30, 9, 0, 0)




# ---------------------------------------------------------------- planning


def _doc_types(profile: str, rng: random.Random) -> list[tuple[str, str | None]]:
    """The documents an applicant of the profile submits, as (type, variant)."""
    qual = [("skill_certificate", None)] if rng.random() < 0.6 else [("title_certificate", None)]
    if rng.random() < 0.2:
        qual = [("skill_certificate", None), ("title_certificate", None)]
    edu = [("diploma", None)] if rng.random() < 0.6 else [("degree", None)]
    if rng.random() < 0.25:
        edu = [("diploma", None), ("degree", None)]
    idc = [("id_card", "front"), ("id_card", "back")]
    if profile == "gd-supervisor":
        out = qual + edu + [("photo", "小一寸"), ("recommendation_form", None), ("work_certificate", None)]
        if rng.random() < 0.4:
            out += idc
    elif profile in ("sc-examiner", "sc-senior-examiner"):
        out = [("recommendation_form", None)] + idc + qual
        if profile == "sc-senior-examiner":
            out.append(("examiner_card", "考评员"))
        if rng.random() < 0.3:
            out += edu
    elif profile == "sc-supervisor":
        out = [("recommendation_form", None)] + idc
        if rng.random() < 0.3:
            out += qual
    elif profile == "ah-examiner":
        out = idc + qual + [("photo", rng.choice(("小一寸", "一寸")))]
    elif profile == "gz-expert":
        out = [("recommendation_form", None)] + idc + edu + [("photo", "二寸")] + qual + [("examiner_card", "考评员")]
    elif profile == "gd-org-filing":
        out = [("business_license", None), ("recommendation_form", "org")]
        if rng.random() < 0.5:
            out.append(("application_letter", None))
    else:
        out = []
        if rng.random() < 0.8:
            out += idc
        out += qual
        for t, p in (("diploma", 0.5), ("photo", 0.6), ("work_certificate", 0.4), ("recommendation_form", 0.5)):
            if rng.random() < p:
                out.append((t, None))
        if len(out) < 2:
            out.append(("work_certificate", None))
    if rng.random() < 0.1:
        out.append(("other", None))
    return out


def _single_page(spec: DocSpec) -> bool:
    return not (spec.doc_type == "recommendation_form" and spec.variant in ("sc-exam", "gz", "org"))


def _plan_files(docs: list[DocSpec], primary: str, allowed: list[str], rng: random.Random,
                person_name: str) -> list[FilePlan]:
    """Group the documents into files; the `primary` packaging is always used once."""
    left = list(range(len(docs)))
    plans: list[FilePlan] = []
    idx_front = next((i for i in left if docs[i].doc_type == "id_card" and docs[i].variant == "front"), None)
    idx_back = next((i for i in left if docs[i].doc_type == "id_card" and docs[i].variant == "back"), None)
    photo = [i for i in left if docs[i].doc_type == "photo"]
    for i in photo:  # the ID photo is always its own, untouched JPEG
        name = rng.choice((f"{person_name}.jpg", f"{rng.choice(FILE_NAMES['photo'])}.jpg", f"{person_name}照片.jpg"))
        plans.append(FilePlan(name, "image", [i], "jpg", options={"quality": rng.randint(88, 95)}))
        left.remove(i)
    content = [i for i in left if i not in (idx_front, idx_back)]

    def take(pred: Any, k: int = 1) -> list[int]:
        cands = [i for i in content if pred(docs[i])]
        rng.shuffle(cands)
        got = cands[:k]
        for i in got:
            content.remove(i)
        return got

    def id_pair() -> list[int]:
        return [i for i in (idx_front, idx_back) if i is not None]

    pending_id = idx_front is not None
    if primary == "id_both_sides" and pending_id:
        plans.append(FilePlan(file_name(rng, "id_card", "jpg"), "id_both_sides", id_pair(), "jpg", grey=rng.random() < 0.85))
        pending_id = False
    elif primary in ("merged_pdf", "long_image"):
        # Units: each content document, and the two ID sides together.
        units = [[i] for i in content] + ([id_pair()] if pending_id else [])
        if len(units) >= 2:
            rng.shuffle(units)
            got_units = units[:rng.randint(2, min(3 if primary == "long_image" else 4, len(units)))]
            got = sorted(i for u in got_units for i in u)
            for i in got:
                if i in content:
                    content.remove(i)
            if any(i in (idx_front, idx_back) for i in got):
                pending_id = False
            if primary == "merged_pdf":
                plans.append(FilePlan(rng.choice(("扫描件.pdf", "材料合集.pdf", f"{person_name}申报材料.pdf",
                                                   generic_file_name(rng, "pdf"))), "merged_pdf", got, "pdf"))
            else:
                plans.append(FilePlan(rng.choice(("长图.jpg", "证书合集.jpg", generic_file_name(rng, "jpg"))),
                                      "long_image", got, "jpg"))
    elif primary == "text_pdf":
        got = (take(lambda s: s.doc_type == "recommendation_form")
               or take(lambda s: s.doc_type in ("work_certificate", "application_letter", "skill_certificate"))
               or take(lambda s: True))
        if got:
            plans.append(FilePlan(file_name(rng, docs[got[0]], "pdf"), "text_pdf", got, "pdf"))
    elif primary == "phone_photo":
        got = take(_single_page) or []
        if got:
            plans.append(_phone_plan(docs[got[0]], got, rng))
    elif primary == "scanned_pdf":
        got = take(lambda s: True)
        if got:
            plans.append(FilePlan(file_name(rng, docs[got[0]], "pdf"), "scanned_pdf", got, "pdf",
                                  grey=rng.random() < 0.3))
    elif primary == "image":
        got = take(_single_page)
        if got:
            fmt = rng.choices(("jpg", "png", "tif", "webp"), weights=(0.7, 0.15, 0.08, 0.07))[0]
            plans.append(FilePlan(file_name(rng, docs[got[0]], fmt), "image", got, fmt, grey=rng.random() < 0.2))
    if pending_id:
        how = rng.choice(["id_both_sides", "separate", "separate", "pdf"])
        if how == "id_both_sides" and "id_both_sides" not in allowed:
            how = "separate"
        if how == "id_both_sides":
            plans.append(FilePlan(file_name(rng, "id_card", "jpg"), "id_both_sides", id_pair(), "jpg", grey=True))
        elif how == "pdf" and "scanned_pdf" in allowed:
            plans.append(FilePlan(file_name(rng, "id_card", "pdf"), "scanned_pdf", id_pair(), "pdf", grey=rng.random() < 0.6))
        else:
            for i in id_pair():
                plans.append(_one_file(docs[i], [i], allowed, rng))
    # Documents of one kind are sometimes merged (diploma + degree, both certificates).
    for group in (("diploma", "degree"), ("skill_certificate", "title_certificate")):
        same = [i for i in content if docs[i].doc_type in group]
        if len(same) == 2 and "merged_pdf" in allowed and rng.random() < 0.4:
            for i in same:
                content.remove(i)
            plans.append(FilePlan(file_name(rng, docs[same[0]], "pdf"), "merged_pdf", same, "pdf"))
    for i in list(content):
        plans.append(_one_file(docs[i], [i], allowed, rng))
    unique_names(plans)
    return plans


def _vary_packaging(docs: list[DocSpec], plans: list[FilePlan], allowed: list[str],
                    rng: random.Random) -> list[FilePlan]:
    """Files as other applicants put them together: a merged PDF in which the form is
    followed by other documents (certificates on A4 scans, a receipt), and a long image
    of two documents photographed on a desk, stacked with no blank band between them
    (a certificate above a diploma, a licence above the filing form)."""
    def pick(*types: str) -> int | None:
        free = [i for i, d in enumerate(docs) if d.doc_type in types and d.doc_type != "id_card"]
        return rng.choice(free) if free else None

    def regroup(idx: list[int], plan: FilePlan) -> list[FilePlan]:
        out = []
        for p in plans:
            keep = [i for i in p.docs if i not in idx]
            if keep == p.docs:
                out.append(p)
            elif keep and p.packaging in ("merged_pdf", "scanned_pdf", "text_pdf", "long_image"):
                p.docs = keep
                out.append(p)
            elif keep:  # a packaging that needs all its documents: each on its own
                out.extend(FilePlan(f"{p.name.rpartition('.')[0]}_{k}.jpg", "image", [i], "jpg") for k, i in enumerate(keep))
        return [*out, plan]

    used: set[int] = set()
    cert = pick("skill_certificate", "title_certificate")
    edu = pick("diploma", "degree")
    form = pick("recommendation_form")
    if "long_image" in allowed and rng.random() < 0.5:
        top, bottom = (cert, edu) if cert is not None and edu is not None else (pick("business_license"), form)
        if top is not None and bottom is not None:
            plans = regroup([top, bottom], FilePlan(rng.choice(("材料长图.jpg", "证书合集.jpg")), "long_image",
                                                    [top, bottom], "jpg", options={"desk": True}))
            used |= {top, bottom}
    if "merged_pdf" in allowed and form is not None and form not in used and rng.random() < 0.6:
        after = [i for i in (pick("other"), cert, edu) if i is not None and i not in used]
        if after:
            idx = [form, *after]
            plans = regroup(idx, FilePlan(rng.choice(("材料.pdf", "申报材料合集.pdf")), "merged_pdf", idx, "pdf",
                                          options={"on_a4": True}))
    unique_names(plans)
    return plans


def _tilt_photos(docs: list[DocSpec], plans: list[FilePlan], allowed: list[str], rng: random.Random) -> None:
    """Phone photos taken as people take them: the paper turned a few degrees on the
    table, so that a form's long lines climb past the next line. Some single-page forms
    are photographed this way too."""
    for p in plans:
        if p.packaging == "image" and "phone_photo" in allowed and len(p.docs) == 1 and not p.options \
                and docs[p.docs[0]].doc_type == "recommendation_form" and rng.random() < 0.35:
            p.packaging, p.fmt, p.rotation = "phone_photo", "jpg", 0
            p.name = f"{p.name.rpartition('.')[0]}.jpg"
        if p.packaging == "phone_photo":
            p.options["tilt"] = rng.choice((-1, 1)) * rng.uniform(2.5, 7.0)
    unique_names(plans)


def _phone_plan(spec: DocSpec, idx: list[int], rng: random.Random) -> FilePlan:
    rot = rng.choice((0, 90, 90, 270, 180))
    name = (f"IMG_{rng.randint(1000, 9999)}.JPG" if rng.random() < 0.5
            else f"IMG_2026{rng.randint(1, 6):02d}{rng.randint(1, 28):02d}_{rng.randint(8, 21):02d}"
                 f"{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}.jpg")
    return FilePlan(name, "phone_photo", idx, "jpg", rotation=rot, exif=rot != 0 and rng.random() < 0.5)


def _one_file(spec: DocSpec, idx: list[int], allowed: list[str], rng: random.Random) -> FilePlan:
    """A file holding just this document, in a packaging drawn from those allowed."""
    weights = {"image": 0.45, "scanned_pdf": 0.25, "phone_photo": 0.15, "text_pdf": 0.15}
    if spec.doc_type not in ("recommendation_form", "work_certificate", "application_letter"):
        weights["text_pdf"] = 0.02
    if not _single_page(spec):
        weights.pop("image")
        weights.pop("phone_photo")
    opts = {k: v for k, v in weights.items() if k in allowed}
    if not opts:  # only grouped packagings allowed: a one-document merged PDF is still a PDF
        opts = {"scanned_pdf": 1.0}
    kind = rng.choices(list(opts), weights=list(opts.values()))[0]
    if kind == "phone_photo":
        return _phone_plan(spec, idx, rng)
    if kind in ("scanned_pdf", "text_pdf"):
        return FilePlan(file_name(rng, spec, "pdf"), kind, idx, "pdf", grey=kind == "scanned_pdf" and rng.random() < 0.3)
    fmt = rng.choices(("jpg", "png", "tif", "bmp", "webp"), weights=(0.62, 0.18, 0.07, 0.05, 0.08))[0]
    rot = rng.choice((90, 180, 270)) if rng.random() < 0.1 else 0
    return FilePlan(file_name(rng, spec, fmt), "image", idx, fmt, rotation=rot,
                    grey=spec.doc_type == "id_card" or rng.random() < 0.2)


def _legal_rep(org: Org, rng: random.Random) -> Person:
    """The organisation's legal representative as a person (for their ID card copy)."""
    rep = make_person(random.Random(f"rep:{org.uscc}"), org.region.province, employer=org)
    rep.name = org.legal_representative
    return rep


def _roster_row(idx: int, key: str, p: Person, rng: random.Random) -> dict[str, Any]:
    return {"序号": idx + 1, "姓名": p.name, "性别": p.gender, "身份证号": p.id_number,
            "出生日期": p.birth_date.isoformat(), "民族": p.ethnicity + ("族" if rng.random() < 0.5 else ""),
            "政治面貌": p.political_status, "文化程度": p.education_level, "工作年限": p.work_years,
            "电子邮箱": p.email, "从事职业": p.occupations[0], "申报职业": "、".join(p.occupations),
            "联系方式": p.phone, "工作单位": p.employer.name, "通讯地址": p.address, "材料目录": key}


def roster_table(spec: BatchSpec) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """(columns, rows) of the batch's 汇总表: the contract's columns, for examiners with
    附件3's 现职业资格 after 文化程度; the filing columns for organisations."""
    columns = ORG_ROSTER_COLUMNS if spec.profile == "gd-org-filing" else ROSTER_COLUMNS
    rows = [a.roster for a in spec.applicants if a.roster]
    if spec.profile in ANNEX3_PROFILES:
        at = columns.index("文化程度") + 1
        columns = (*columns[:at], QUALIFICATION_COLUMN, *columns[at:])
        rows = [{**a.roster, QUALIFICATION_COLUMN: declared_qualification(a)} for a in spec.applicants if a.roster]
    return columns, rows


def declared_qualification(a: ApplicantSpec) -> str:
    """现职业资格（专业技术职称） as a unit fills it in: what the applicant's certificates
    say after any defect edited them ("电工 三级/高级工", "工程师 中级"), so a clean
    applicant's roster agrees with the documents."""
    parts = []
    for plan in a.files:
        for i in plan.docs:
            d = a.docs[i]
            f = d.fields
            if d.doc_type == "skill_certificate" and f.get("skill_level"):
                level = "/".join(SKILL_LEVEL_NAMES[int(f["skill_level"])])
                parts.append(f"{f.get('occupation', '')} {level}".strip())
            elif d.doc_type == "title_certificate" and f.get("title_level"):
                parts.append(f"{f.get('title_name', '')} {f['title_level']}".strip())
    return "；".join(dict.fromkeys(parts))


def _parse_packagings(packagings: str) -> list[str]:
    if packagings in ("", "all"):
        return list(PACKAGINGS)
    out = [p.strip() for p in packagings.split(",") if p.strip()]
    bad = [p for p in out if p not in PACKAGINGS]
    if bad:
        raise ValueError(f"unknown packagings {bad}; known: {', '.join(PACKAGINGS)}")
    return out


def plan_batch(n_applicants: int = 10, seed: int = 0, profile: str = "gd-supervisor",
               packagings: str = "all", defect_rate: float = 0.0, defect_family: str = "rules",
               variety: bool = False) -> BatchSpec:
    """Draw a whole batch as specs (nothing written yet); with `defect_rate` > 0, about
    that share of applicants gets one defect each (expected findings recorded), drawn
    from `defect_family`: the profile's rule defects, the seal/photo/forgery ones, or all."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    allowed = _parse_packagings(packagings)
    brng = random.Random(f"certriage-batch:{seed}:{profile}")
    province = PROVINCE_OF.get(profile)
    org_filing = profile == "gd-org-filing"
    cycle = list(allowed)
    brng.shuffle(cycle)
    # A few shared employers, as one unit often sends several people.
    regions = [r for r in CURRENT_REGIONS if province is None or r.province == province]
    employers = [make_org(brng, brng.choice(regions), college=brng.random() < 0.3) for _ in range(max(2, n_applicants // 3))]
    max_level, title_rank = QUALIFICATION.get(profile, (3, 3))
    used_ids: set[str] = set()
    used_orgs: set[str] = set()
    photo_hashes: list[Any] = []
    applicants: list[ApplicantSpec] = []
    for i in range(n_applicants):
        rng = random.Random(f"certriage-applicant:{seed}:{profile}:{i}")
        if org_filing:
            org = make_org(rng, rng.choice([r for r in CURRENT_REGIONS if r.province == "广东省"]),
                           college=rng.random() < 0.2)
            while org.name in used_orgs:
                org = make_org(rng, rng.choice([r for r in CURRENT_REGIONS if r.province == "广东省"]))
            used_orgs.add(org.name)
            person = make_person(rng, "广东省", employer=org)
        else:
            employer = rng.choice(employers) if rng.random() < 0.6 else None
            person = make_person(rng, province, employer, max_level, title_rank)
            if employer is None and province:
                person.employer = make_org(rng, rng.choice(regions), college=rng.random() < 0.25)
        while person.id_number in used_ids:
            person = make_person(rng, province, person.employer, max_level, title_rank)
        used_ids.add(person.id_number)
        person.photo_seed = distinct_photo_seed(rng, photo_hashes)
        key = f"{i + 1:03d}_{person.employer.name if org_filing else person.name}"
        when = dt.date(REFERENCE_DATE.year, rng.randint(3, 5), rng.randint(1, 28))
        types = _doc_types(profile, rng)
        primary = cycle[i % len(cycle)]
        if primary == "id_both_sides" and not any(t == "id_card" for t, _ in types):
            types += [("id_card", "front"), ("id_card", "back")]
        docs = []
        for t, v in types:
            holder = person
            if t == "id_card" and org_filing:  # a filing carries the legal representative's ID
                holder = _legal_rep(person.employer, rng)
            docs.append(build_doc(t, holder, rng, profile, v, when))
        if variety:
            vary_inks(seed, key, docs)
            for n, d in enumerate(docs):
                d.extra["style"] = draw_style(d, variety_rng(seed, key, f"style:{n}:{d.doc_type}"))
        files = _plan_files(docs, primary, allowed, rng, person.name)
        if variety:
            files = _vary_packaging(docs, files, allowed, variety_rng(seed, key, "packaging"))
            _tilt_photos(docs, files, allowed, variety_rng(seed, key, "capture"))
            letter_rng = variety_rng(seed, key, "letter")
            for d in docs:  # a department recommends as it writes any letter: a 公函
                if d.doc_type == "application_letter" and d.variant == "推荐函" and letter_rng.random() < 0.7:
                    d.extra["letter_form"] = "公函"
        if org_filing:
            o = person.employer
            roster = {"序号": i + 1, "机构名称": o.name, "统一社会信用代码": o.uscc, "法定代表人": o.legal_representative,
                      "注册地址": o.address, "机构类型": o.category, "申报职业": "、".join(person.occupations),
                      "材料目录": key}
        else:
            roster = _roster_row(i, key, person, rng)
        applicants.append(ApplicantSpec(i, key, person, docs, files, roster, [], org_filing, variety))
    spec = BatchSpec(seed, profile, applicants, variety=variety)
    if defect_rate > 0:
        spec.defect_rate = defect_rate
        spec.defect_family = defect_family
        inject_defects(spec, defect_rate, defect_family)
    return spec


# ---------------------------------------------------------------- writing


def _identity(a: ApplicantSpec) -> dict[str, Any]:
    p = a.person
    if a.org_filing:
        o = p.employer
        return {"name": o.name, "uscc": o.uscc, "legal_representative": o.legal_representative,
                "address": o.address}
    return {"name": p.name, "id_number": p.id_number, "gender": p.gender,
            "birth_date": p.birth_date.isoformat(), "ethnicity": p.ethnicity, "address": p.address}


def _doc_truth(spec: DocSpec, pages: list[int]) -> dict[str, Any]:
    d: dict[str, Any] = {"type": spec.doc_type, "pages": pages, "fields": dict(spec.fields)}
    if spec.variant:
        d["variant"] = spec.variant
    if spec.doc_type == "id_card":
        d["side"] = spec.variant
    if spec.doc_type == "photo":
        w, h = photo_size(spec)
        d["fields"] = {"size_name": spec.variant, "width_px": w, "height_px": h,
                       "background": spec.extra.get("background", "white"),
                       "color": spec.extra.get("color", True)}
        if spec.extra.get("subject"):
            d["fields"]["subject"] = spec.extra["subject"]
    d["seals"] = _seal_truth(spec, pages) if spec.seal else []
    d.update(spec.extra.get("truth", {}))  # what a defect left on the page (pipeline.samples.forgery)
    return d


def _seal_truth(spec: DocSpec, pages: list[int]) -> list[dict[str, Any]]:
    """The seal's text and where it is: `page` in the file, `bbox` (x0, y0, x1, y1 of the
    ring) in the pixels of the document's clean page of `page_size` (200 dpi). Scans and
    photos move it a little; a long image or a two-sided ID copy places the page inside a
    larger one."""
    assert spec.seal is not None
    base = {"text": spec.seal.org_name, "color": spec.seal.color, "shape": "round",
            "inner_text": spec.seal.inner_text}
    if spec.extra.get("seal_ink"):  # variety: the ink style it was stamped with
        base["ink"] = spec.extra["seal_ink"]
    out = []
    for index, op, size in seal_places(spec):
        page = pages[index] if index < len(pages) else pages[-1]
        out.append({**base, "page": page, "bbox": [round(op.cx - op.radius), round(op.cy - op.radius),
                                                     round(op.cx + op.radius), round(op.cy + op.radius)],
                    "page_size": list(size)})
    return out or [base]


def write_roster(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """The 汇总表 as .xlsx, all cells text except 序号 and 工作年限; byte-reproducible."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总表"
    ws.append(list(columns))
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    fixed = dt.datetime(*FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "certriage"
    buf = io.BytesIO()
    wb.save(buf)
    _normalise_zip(buf.getvalue(), path)


def _normalise_zip(data: bytes, path: Path) -> None:
    """Rewrite an OOXML zip with fixed timestamps so equal content gives equal bytes."""
    stamp = "2026-06-30T09:00:00Z"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              lambda m: m.group(1) + stamp.encode() + m.group(2), body)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)


def render_applicant(a: ApplicantSpec, batch_dir: Path, seed: int) -> dict[str, Any]:
    """Write one applicant folder; returns its truth entry."""
    folder = batch_dir / a.key
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for j, plan in enumerate(a.files):
        rng = random.Random(f"certriage-file:{seed}:{a.key}:{j}")
        path = folder / plan.name
        page_lists = write_file(plan, a.docs, path, rng)
        if plan.options.get("post"):  # a defect edits the written file (pipeline.samples.forgery)
            post_render(plan, a.docs, path, random.Random(f"certriage-post:{seed}:{a.key}:{j}"))
        n_pages = max(pg for pl in page_lists for pg in pl)
        files.append({
            "path": f"{a.key}/{plan.name}", "packaging": plan.packaging, "format": plan.fmt,
            "pages": n_pages, "rotation": plan.rotation,
            "exif_orientation": {0: 1, 90: 8, 180: 3, 270: 6}[plan.rotation] if plan.exif else None,
            "rotation_after_exif": 0 if plan.exif else plan.rotation,
            "grey": plan.grey,
            "documents": [_doc_truth(a.docs[i], pl) for i, pl in zip(plan.docs, page_lists, strict=True)],
        })
    return {"key": a.key, "identity": _identity(a), "employer": a.person.employer.name,
            "files": files, "expected_findings": list(a.expected_findings)}


def render_batch(spec: BatchSpec, out_dir: Path) -> dict[str, Any]:
    """Write batch/<key>/..., batch/roster.xlsx and truth.json under out_dir."""
    out_dir = Path(out_dir)
    batch = out_dir / "batch"
    batch.mkdir(parents=True, exist_ok=True)
    entries = [render_applicant(a, batch, spec.seed) for a in spec.applicants]
    if any(p.options.get("copy_from") for a in spec.applicants for p in a.files):
        copy_pages(spec, batch)  # pages one applicant took from another's written files
    write_roster(batch / "roster.xlsx", *roster_table(spec))
    truth = {"seed": spec.seed, "profile": spec.profile, "batch_date": REFERENCE_DATE.isoformat(),
             "roster": "roster.xlsx", "applicants": entries}
    if spec.defect_rate:  # absent at 0 so that clean batches stay byte-identical
        truth["defect_rate"] = spec.defect_rate
    if spec.defect_family != "rules":
        truth["defect_family"] = spec.defect_family
    if spec.variety:
        truth["variety"] = True
    (out_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def generate_batch(out_dir: Path, n_applicants: int = 10, seed: int = 0, profile: str = "gd-supervisor",
                   packagings: str = "all", defect_rate: float = 0.0, defect_family: str = "rules",
                   variety: bool = False) -> dict[str, Any]:
    """Plan and write a synthetic batch; same seed (and defect rate, variety), same bytes."""
    return render_batch(plan_batch(n_applicants, seed, profile, packagings, defect_rate, defect_family,
                                   variety), Path(out_dir))
