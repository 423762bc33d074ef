"""Document specs and one renderer per document type.

A `DocSpec` holds what a document *says* (its fields, in the contract's normalised
form) and how it is sealed; renderers draw only from the spec. Defect injection later
edits a spec (a wrong name, another organisation's seal, no seal) before rendering,
and the spec's fields are what truth.json records for that document.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from pipeline.samples.fonts import font
from pipeline.samples.layout import A4, BLACK, Color, Layout, SealOp, TextOp, to_image, wrap
from pipeline.samples.people import (
    REFERENCE_DATE,
    SKILL_LEVEL_NAMES,
    Org,
    Person,
    make_name,
    make_phone,
    rand_date,
)
from pipeline.samples.photos import PHOTO_SIZES, add_grain, make_id_photo, make_non_face_photo

ID_CARD_SIZE = (674, 425)  # CR80 85.6 x 54 mm at 200 dpi
BLUE_GREY: Color = (45, 95, 150)
CN_DIGITS = "〇一二三四五六七八九"
PROVINCE_HR = {"广东省": "广东省人力资源和社会保障厅", "四川省": "四川省人力资源和社会保障厅",
               "安徽省": "安徽省人力资源和社会保障厅"}
PROVINCE_CENTRE = {"广东省": "广东省职业技能服务指导中心", "四川省": "四川省职业技能鉴定指导中心",
                   "安徽省": "安徽省职业技能鉴定指导中心"}


@dataclass
class SealSpec:
    """How a document is sealed; `org_name` is the text on the ring."""

    org_name: str
    color: str = "red"
    inner_text: str | None = None


@dataclass
class DocSpec:
    """What one document says and how it looks (variant), before rendering."""

    doc_type: str
    fields: dict[str, Any]
    seal: SealSpec | None = None
    variant: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


def iso(d: dt.date) -> str:
    return d.isoformat()


def ym(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def parse(s: str) -> dt.date:
    """A normalised date (YYYY-MM-DD or YYYY-MM) back to a date, for printing."""
    parts = [int(x) for x in s.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def cn_date(s: str) -> str:
    d = parse(s)
    return f"{d.year}年{d.month}月" if len(s) == 7 else f"{d.year}年{d.month}月{d.day}日"


def _cn_num(n: int) -> str:
    tens, ones = divmod(n, 10)
    if tens == 0:
        return "〇一二三四五六七八九"[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + ("" if ones == 0 else CN_DIGITS[ones])


def cn_date_upper(s: str) -> str:
    """二〇二四年六月三十日, as diplomas and degrees print their dates."""
    d = parse(s)
    y = "".join(CN_DIGITS[int(c)] for c in str(d.year))
    return f"{y}年{_cn_num(d.month)}月{_cn_num(d.day)}日"


def add_years(d: dt.date, n: int) -> dt.date:
    """Same day n years on (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def dotted(s: str) -> str:
    return s.replace("-", ".")


@functools.cache
def _pattern(w: int, h: int, tint: Color, seed: int, density: float = 1.0) -> Image.Image:
    """A light guilloche-like security background, as printed on certificates."""
    rng = np.random.default_rng(seed)
    hw, hh = w // 2, h // 2  # computed at half size: it is a faint background anyway
    yy, xx = np.mgrid[0:hh, 0:hw].astype(np.float32) * 2
    f1, f2 = rng.uniform(0.01, 0.03, 2) * density
    wave = np.sin(xx * f1 + 6 * np.sin(yy * f2)) * np.sin(yy * f1 * 0.7 + 5 * np.sin(xx * f2 * 0.8))
    lines = (np.abs(wave) < 0.08).astype(np.float32) * 0.18
    base = np.array(tint, np.float32)[None, None, :]
    img = np.full((hh, hw, 3), 255 * 0.90, np.float32) + base * 0.10
    img = img * (1 - lines[..., None]) + base * lines[..., None]
    small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _emblem(lay: Layout, cx: float, cy: float, r: float) -> None:
    """A simplified national emblem: red disc, gold ring and five stars."""
    img = Image.new("RGB", (int(2 * r), int(2 * r)), "white")
    from PIL import ImageDraw

    d = ImageDraw.Draw(img)
    d.ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=(200, 30, 35), outline=(215, 170, 40), width=max(3, int(r / 10)))
    big = _star_pts(r, r * 0.75, r * 0.30)
    d.polygon(big, fill=(245, 200, 40))
    for k in range(4):
        a = math.radians(-60 + k * 30)
        d.polygon(_star_pts(r + r * 0.62 * math.cos(a) + r * 0.15, r * 0.75 + r * 0.62 * math.sin(a) * 0.6,
                            r * 0.09), fill=(245, 200, 40))
    d.rectangle((r * 0.45, r * 1.15, r * 1.55, r * 1.45), fill=(245, 200, 40))
    lay.image(cx - r, cy - r, img)


def _star_pts(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.382
        a = math.radians(-90 + i * 36)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _qr(rng: random.Random, n: int = 25, cell: int = 8) -> Image.Image:
    """A QR-like block (finder patterns and random modules); not decodable."""
    a = np.array([[rng.random() < 0.5 for _ in range(n)] for _ in range(n)])
    for ox, oy in ((0, 0), (n - 7, 0), (0, n - 7)):
        a[oy:oy + 7, ox:ox + 7] = False
        a[oy:oy + 7, ox] = a[oy:oy + 7, ox + 6] = True
        a[oy, ox:ox + 7] = a[oy + 6, ox:ox + 7] = True
        a[oy + 2:oy + 5, ox + 2:ox + 5] = True
    img = np.where(a, 0, 255).astype(np.uint8)
    img = np.kron(img, np.ones((cell, cell), np.uint8))
    img = np.pad(img, cell * 2, constant_values=255)
    return Image.fromarray(img).convert("RGB")


def photo_image(seed: int, size_name: str = "小一寸") -> Image.Image:
    return make_id_photo(seed, PHOTO_SIZES[size_name])


def work_summary(p: Person, rng: random.Random, role: str = "评价") -> str:
    """A 工作简介 of 230-400 characters built from the person's history."""
    occ = "、".join(p.occupations)
    start = p.work_start
    lvl = SKILL_LEVEL_NAMES[p.skill_level]
    sent = [
        f"本人{start.year}年{start.month}月参加工作，先后在{p.employer.name}{p.department}从事{p.occupations[0]}相关技术工作和管理工作，至今已有{p.work_years}年。",
        f"{p.skill_issue_date.year}年取得{p.occupations[0]}{lvl[0]}/{lvl[1]}职业技能等级证书，"
        f"{p.title_issue_date.year}年取得{p.title[1]}专业技术资格。",
        f"近年来主要负责{occ}职业的培训教学、技能考核和质量管理工作，熟悉国家职业技能标准和技能人才评价政策，掌握理论知识考试和操作技能考核的组织实施流程。",
        f"参与组织本单位职业技能等级认定考核{rng.randint(6, 40)}批次，累计评价考生{rng.randint(300, 3000)}人次，承担过考场巡查、试卷保密、考评人员管理和考核结果复核等工作。",
        "工作中坚持原则、严格执行考务规程，未出现违规违纪情况。",
        f"曾参与编写{p.occupations[0]}培训讲义和实操考核题库，指导学员参加市级职业技能竞赛并多次获奖。",
        f"希望通过本次{role}培训进一步提高业务水平，更好地服务技能人才评价工作。",
    ]
    text = "".join(sent)
    while len(text) < 230:
        text += "积极参加各类业务培训和学习交流活动，不断提升自身专业素质和综合能力。"
    return text


def _org_summary(org: Org, occs: list[str], rng: random.Random) -> str:
    est = org.established
    text = (f"{org.name}成立于{est.year}年{est.month}月，注册地址位于{org.address}，法定代表人{org.legal_representative}。"
            f"本机构长期从事{'、'.join(occs)}等职业（工种）的技能培训和人才评价相关工作，现有专职管理人员{rng.randint(8, 40)}人，"
            f"专兼职考评员{rng.randint(20, 120)}人、质量督导员{rng.randint(3, 15)}人，拥有理论考试机房和实操考核场地共{rng.randint(800, 6000)}平方米，"
            f"年培训规模约{rng.randint(1000, 9000)}人次。机构建立了完善的考务管理、质量督导和档案管理制度，近三年无违法违规及失信行为，"
            "具备开展职业技能等级认定工作的能力和条件，自愿接受各级人力资源社会保障部门的监督管理。")
    return text


# ---------------------------------------------------------------- spec builders


def apply_date(rng: random.Random) -> dt.date:
    """When the applicant filled in their papers: spring of the reference year."""
    return rand_date(rng, dt.date(REFERENCE_DATE.year, 3, 1), REFERENCE_DATE - dt.timedelta(days=10))


FORM_VARIANTS = {"gd-supervisor": "gd", "sc-examiner": "sc-exam", "sc-senior-examiner": "sc-exam",
                 "sc-supervisor": "sc-sup", "gz-expert": "gz", "gd-org-filing": "org"}


def build_doc(doc_type: str, p: Person, rng: random.Random, profile: str = "generic",
              variant: str | None = None, when: dt.date | None = None) -> DocSpec:
    """The spec of one document of that type for person `p` (their employer for org docs)."""
    when = when or apply_date(rng)
    org = p.employer
    basic = {"name": p.name, "gender": p.gender, "birth_date": iso(p.birth_date)}
    if doc_type == "id_card":
        side = variant or "front"
        if side == "front":
            return DocSpec("id_card", {**basic, "ethnicity": p.ethnicity, "address": p.address,
                                       "id_number": p.id_number}, variant="front",
                           extra={"photo_seed": p.photo_seed})
        issued = rand_date(rng, dt.date(2012, 1, 1), dt.date(2024, 12, 31))
        age_issue = issued.year - p.birth_date.year
        if age_issue >= 46:
            valid_to = "长期"
        else:
            years = 20 if age_issue >= 26 else 10
            if issued.year + years < REFERENCE_DATE.year + 4:  # still valid years after the batch
                issued = add_years(issued, REFERENCE_DATE.year + 4 - years - issued.year)
            valid_to = iso(add_years(issued, years))
        return DocSpec("id_card", {"issuing_authority": p.region.police, "valid_from": iso(issued),
                                   "valid_to": valid_to}, variant="back")
    if doc_type == "diploma":
        level = p.education_level if p.education_level != "研究生" else "研究生"
        f = {**basic, "school": p.school, "major": p.major, "education_level": level,
             "study_start": ym(p.study_start), "study_end": ym(p.study_end),
             "issue_date": iso(p.study_end), "certificate_number": p.numbers["diploma"]}
        return DocSpec("diploma", f, SealSpec(p.school), extra={"photo_seed": p.photo_seed,
                                                               "president": make_name(rng, rng.choice("男女"))})
    if doc_type == "degree":
        deg = "硕士" if p.education_level == "研究生" else "学士"
        f = {**basic, "school": p.school, "major": p.major, "education_level": deg,
             "issue_date": iso(p.study_end), "certificate_number": p.numbers["degree"]}
        disc = rng.choice(("工学", "管理学", "经济学", "教育学"))
        return DocSpec("degree", f, SealSpec(p.school), extra={"photo_seed": p.photo_seed, "discipline": disc,
                                                              "president": make_name(rng, "男")})
    if doc_type == "skill_certificate":
        new = variant == "new" or (variant is None and p.skill_issue_date.year >= 2020)
        issuer = (f"{org.name}" if new and rng.random() < 0.5 else PROVINCE_CENTRE[p.region.province])
        f = {"name": p.name, "id_number": p.id_number, "occupation": p.occupations[0],
             "job_type": p.job_type, "skill_level": p.skill_level,
             "certificate_number": p.numbers["skill_certificate"], "issue_date": iso(p.skill_issue_date),
             "issuer": issuer}
        if not new:
            f.update(gender=p.gender, birth_date=iso(p.birth_date))
        return DocSpec("skill_certificate", f, SealSpec(issuer, inner_text="职业技能等级认定专用章" if new else None),
                       variant="new" if new else "old", extra={"photo_seed": p.photo_seed})
    if doc_type == "title_certificate":
        issuer = PROVINCE_HR[p.region.province]
        spec, tname, lvl = p.title
        f = {"name": p.name, "gender": p.gender, "birth_date": ym(p.birth_date), "id_number": p.id_number,
             "specialty": spec, "title_name": tname, "title_level": lvl,
             "certificate_number": p.numbers["title_certificate"], "issue_date": iso(p.title_issue_date),
             "issuer": issuer}
        return DocSpec("title_certificate", f, SealSpec(issuer, inner_text="职称评审专用章"),
                       extra={"photo_seed": p.photo_seed, "employer": org.name})
    if doc_type == "examiner_card":
        role = variant or ("质量督导员" if "supervisor" in profile else "考评员")
        issuer = PROVINCE_CENTRE[p.region.province]
        issued = rand_date(rng, dt.date(2021, 1, 1), dt.date(REFERENCE_DATE.year - 2, 12, 31))
        f = {"name": p.name, "gender": p.gender, "id_number": p.id_number,
             "card_number": p.numbers["examiner_card"], "occupation": p.occupations[0], "role": role,
             "issue_date": iso(issued), "valid_to": iso(add_years(issued, 5) - dt.timedelta(days=1)),
             "issuer": issuer}
        return DocSpec("examiner_card", f, SealSpec(issuer), variant=role, extra={"photo_seed": p.photo_seed})
    if doc_type == "work_certificate":
        f = {"name": p.name, "id_number": p.id_number, "employer": org.name, "department": p.department,
             "position": p.position, "work_years": p.work_years, "start_date": ym(p.work_start),
             "issue_date": iso(when)}
        v = variant or ("gd" if profile == "gd-supervisor" else "generic")
        return DocSpec("work_certificate", f, SealSpec(org.name, inner_text=rng.choice((None, None, "人事专用章"))),
                       variant=v, extra={"contact": make_name(rng, rng.choice("男女")), "contact_phone": org.phone,
                                         "year": when.year})
    if doc_type == "recommendation_form":
        v = variant or FORM_VARIANTS.get(profile) or rng.choice(("gd", "sc-exam"))
        if v == "org":
            occs = p.occupations
            f = {"org_name": org.name, "uscc": org.uscc, "legal_representative": org.legal_representative,
                 "address": org.address, "occupations": occs, "phone": p.phone, "fill_date": iso(when)}
            return DocSpec("recommendation_form", f, SealSpec(org.name), variant=v,
                           extra={"contact": p.name, "category": org.category,
                                  "summary": _org_summary(org, occs, rng), "levels": {
                                      o: rng.choice(("五级至三级", "四级至二级", "五级至一级")) for o in occs}})
        role = {"gd": "质量督导员", "sc-sup": "质量督导员", "gz": "专家"}.get(v, "考评员")
        f = {"name": p.name, "gender": p.gender, "id_number": p.id_number, "employer": org.name,
             "phone": p.phone, "work_summary": work_summary(p, rng, role), "fill_date": iso(when)}
        if v in ("gd", "gz"):
            f["birth_date"] = ym(p.birth_date)
            f["political_status"] = p.political_status
            f["education_level"] = p.education_level
        if v in ("sc-exam", "gz"):
            f["occupations"] = list(p.occupations)
        if v == "sc-exam":
            f["education_level"] = p.education_level
        if v == "gz":
            f["email"] = p.email
            f["ethnicity"] = p.ethnicity
        if v in ("sc-exam", "sc-sup", "gd"):
            f["address"] = p.address
        extra = {"photo_seed": p.photo_seed if rng.random() < 0.7 else None, "age": p.age,
                 "position": p.position, "title": p.title, "work_years": p.work_years,
                 "city": p.region.city, "level": SKILL_LEVEL_NAMES[p.skill_level],
                 "clerk": make_name(rng, rng.choice("男女")), "clerk_phone": make_phone(rng),
                 "year": when.year, "senior": profile == "sc-senior-examiner"}
        return DocSpec("recommendation_form", f, SealSpec(org.name), variant=v, extra=extra)
    if doc_type == "business_license":
        f = {"org_name": org.name, "uscc": org.uscc, "legal_representative": org.legal_representative,
             "address": org.address, "org_type": org.org_type, "established_date": iso(org.established)}
        kind = "public" if org.uscc.startswith("12") else "npo" if org.uscc.startswith("52") else "company"
        authority = {"public": f"{org.region.city}事业单位登记管理局", "npo": f"{org.region.city}民政局"}.get(
            kind, f"{org.region.city}市场监督管理局")
        return DocSpec("business_license", f, SealSpec(authority), variant=kind,
                       extra={"capital": rng.choice((50, 100, 200, 300, 500, 1000, 3000)),
                              "issued": iso(rand_date(rng, dt.date(2020, 1, 1), dt.date(2025, 12, 31))),
                              "occupations": list(p.occupations)})
    if doc_type == "application_letter":
        v = variant or rng.choice(("承诺书", "承诺书", "推荐函"))
        if v == "推荐函":
            dept = rng.choice(("广东省食品行业协会", "广东省家庭服务业协会", "广东省机械工程学会",
                               "广东省电子信息行业协会"))
            # The notices' template (seed 002, 附件7): a department recommends the applying
            # organisation, which the letter is about; the department signs and seals it.
            return DocSpec("application_letter", {"org_name": org.name, "uscc": org.uscc, "issue_date": iso(when)},
                           SealSpec(dept), variant=v, extra={"subject_org": org.name, "uscc": org.uscc, "dept": dept,
                                                             "occupations": list(p.occupations)})
        return DocSpec("application_letter", {"org_name": org.name, "issue_date": iso(when)}, SealSpec(org.name),
                       variant=v, extra={"occupations": list(p.occupations), "rep": org.legal_representative})
    if doc_type == "photo":
        size = variant or "小一寸"
        return DocSpec("photo", {}, variant=size, extra={"photo_seed": p.photo_seed})
    if doc_type == "other":
        return DocSpec("other", {}, variant=variant or rng.choice(("receipt", "notice")),
                       extra={"name": p.name, "amount": rng.choice((380, 450, 600, 800)), "date": iso(when),
                              "serial": f"{rng.randint(10**11, 10**12 - 1)}"})
    raise ValueError(f"unknown document type {doc_type!r}")


# ---------------------------------------------------------------- renderers


def _id_front(s: DocSpec) -> list[Layout]:
    w, h = ID_CARD_SIZE
    lay = Layout(w, h, _pattern(w, h, (120, 170, 200), 11, 2.0))
    f = s.fields
    lab, val = 24, 30
    x0, xv = 40, 125
    lay.text(x0, 70, "姓 名", lab, color=BLUE_GREY)
    lay.text(xv, 70, f["name"], val, bold=True)
    if style(s).get("one_box_rows"):  # a card printed tight: OCR returns 性别女民族汉 as one box
        lay.text(x0, 128, f"性别 {f['gender']}  民族 {f['ethnicity']}", lab + 2)
    else:
        lay.text(x0, 128, "性 别", lab, color=BLUE_GREY)
        lay.text(xv, 128, f["gender"], val)
        lay.text(220, 128, "民 族", lab, color=BLUE_GREY)
        lay.text(300, 128, f["ethnicity"], val)
    b = parse(f["birth_date"])
    lay.text(x0, 186, "出 生", lab, color=BLUE_GREY)
    lay.text(xv, 186, f"{b.year}", val)
    lay.text(xv + 78, 186, "年", lab, color=BLUE_GREY)
    lay.text(xv + 118, 186, f"{b.month}", val)
    lay.text(xv + 158, 186, "月", lab, color=BLUE_GREY)
    lay.text(xv + 198, 186, f"{b.day}", val)
    lay.text(xv + 238, 186, "日", lab, color=BLUE_GREY)
    lay.text(x0, 244, "住 址", lab, color=BLUE_GREY)
    y = 244
    for ln in wrap(f["address"], 300, 27)[:3]:
        lay.text(xv, y, ln, 27)
        y += 38
    lay.text(x0, 392, "公民身份号码", lab, color=BLUE_GREY)
    lay.text(215, 394, " ".join([f["id_number"][:6], f["id_number"][6:14], f["id_number"][14:]]), 31,
             bold=True)
    if s.extra.get("photo_seed") is not None:
        ph = make_id_photo(int(s.extra["photo_seed"]), (180, 230))
        ph = Image.blend(ph, _pattern(180, 230, (120, 170, 200), 11, 2.0), 0.12)
        lay.image(462, 50, ph)
    return [lay]


def _id_back(s: DocSpec) -> list[Layout]:
    w, h = ID_CARD_SIZE
    lay = Layout(w, h, _pattern(w, h, (110, 160, 190), 12, 2.0))
    f = s.fields
    _emblem(lay, 100, 100, 62)
    lay.text(440, 95, "中华人民共和国", 44, "serif", "ms", bold=True)
    lay.text(440, 205, "居 民 身 份 证", 60, "serif", "ms", bold=True)
    lay.text(70, 320, "签发机关", 24, color=BLUE_GREY)
    lay.text(190, 320, f["issuing_authority"], 28)
    lay.text(70, 380, "有效期限", 24, color=BLUE_GREY)
    vt = f["valid_to"]
    lay.text(190, 380, f"{dotted(f['valid_from'])}-{vt if vt == '长期' else dotted(vt)}", 28)
    return [lay]


def _frame(lay: Layout, color: Color, margin: int = 60, double: bool = True) -> None:
    m = margin
    lay.rect((m, m, lay.width - m, lay.height - m), outline=color, width=10)
    if double:
        lay.rect((m + 22, m + 22, lay.width - m - 22, lay.height - m - 22), outline=color, width=3)


def _diploma(s: DocSpec) -> list[Layout]:
    w, h = 2126, 1500
    lay = Layout(w, h, _pattern(w, h, (190, 160, 110), 21))
    f = s.fields
    _frame(lay, (150, 110, 60))
    lay.text(w / 2, 250, "普 通 高 等 学 校", 52, "serif", "ms")
    lay.text(w / 2, 380, "毕 业 证 书", 104, "serif", "ms", bold=True)
    if s.extra.get("photo_seed") is not None:
        lay.image(190, 520, photo_image(int(s.extra["photo_seed"]), "小一寸"), 240, 349)
    b = parse(f["birth_date"])
    kind = {"大学本科": "四年制本科", "大学专科": "三年制专科", "研究生": "三年制研究生"}.get(
        f["education_level"], "本科")
    st, en = parse(f["study_start"]), parse(f["study_end"])
    body = (f"学生 {f['name']}，性别 {f['gender']}，{b.year}年{b.month}月{b.day}日生，于 {st.year}年{st.month}月"
            f"至 {en.year}年{en.month}月 在本校 {f['major']} 专业 {kind} 学习，修完教学计划规定的全部课程，"
            "成绩合格，准予毕业。")
    lay.para(520, 580, 1420, body, 44, 82, indent=2, style="serif")
    lay.text(520, 1150, f"校    名：{f['school']}", 40, "serif")
    lay.text(1300, 1150, f"校（院）长：{s.extra.get('president', '')}", 40, "serif")
    lay.text(520, 1250, f"证书编号：{f['certificate_number']}", 36, "serif")
    lay.text(1720, 1250, cn_date(f["issue_date"]), 40, "serif", "ms")
    if s.seal:
        lay.seal(1700, 1210, 165, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color,
                 s.seal.inner_text)
    lay.text(w / 2, 1370, "学信网查询：www.chsi.com.cn", 28, "sans", "ms", color=(110, 90, 60))
    return [lay]


def _degree(s: DocSpec) -> list[Layout]:
    w, h = 2126, 1500
    lay = Layout(w, h, _pattern(w, h, (170, 60, 60), 22))
    f = s.fields
    _frame(lay, (150, 40, 40))
    title = "硕 士 学 位 证 书" if f["education_level"] == "硕士" else "学 士 学 位 证 书"
    lay.text(w / 2, 330, title, 100, "serif", "ms", bold=True)
    if s.extra.get("photo_seed") is not None:
        lay.image(190, 480, photo_image(int(s.extra["photo_seed"]), "小一寸"), 240, 349)
    b = parse(f["birth_date"])
    body = (f"{f['name']}，{f['gender']}，{b.year}年{b.month}月{b.day}日生。在{f['school']}{f['major']}专业"
            f"完成了{'硕士研究生' if f['education_level'] == '硕士' else '本科'}学习计划，业已毕业。"
            f"经审核符合《中华人民共和国学位条例》的规定，授予{s.extra.get('discipline', '工学')}"
            f"{f['education_level']}学位。")
    lay.para(520, 560, 1420, body, 44, 82, indent=2, style="serif")
    lay.text(1250, 1080, f"{f['school']}校长", 40, "serif")
    lay.text(1250, 1140, f"学位评定委员会主席  {s.extra.get('president', '')}", 40, "serif")
    lay.text(1560, 1240, cn_date_upper(f["issue_date"]), 40, "serif", "ms")
    lay.text(240, 1240, f"证书编号：{f['certificate_number']}", 36, "serif")
    if s.seal:
        lay.seal(1450, 1120, 165, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color)
    return [lay]


def _kv_lines(lay: Layout, x: float, y: float, rows: list[tuple[str, str]], size: int, gap: float,
              label_w: float, style: str = "serif", color: Color = BLACK) -> float:
    for k, v in rows:
        lay.text(x, y, k, size, style, color=color)
        lay.text(x + label_w, y, v, size + 2, style)
        y += gap
    return y


def _skill(s: DocSpec) -> list[Layout]:
    f = s.fields
    lvl = SKILL_LEVEL_NAMES[int(f["skill_level"])]
    if s.variant != "new" and style(s).get("booklet"):
        return _skill_booklet(s)
    if s.variant == "new":
        w, h = A4
        lay = Layout(w, h, _pattern(w, h, (200, 170, 90), 31))
        _frame(lay, (170, 130, 50), 70)
        lay.text(w / 2, 330, "职业技能等级证书", 100, "serif", "ms", bold=True)
        lay.text(w / 2, 410, "VOCATIONAL SKILL LEVEL CERTIFICATE", 34, "serif", "ms", color=(120, 100, 60))
        if s.extra.get("photo_seed") is not None:
            lay.image(w / 2 - 130, 520, photo_image(int(s.extra["photo_seed"])), 260, 378)
        occ = f["occupation"] + (f"（{f['job_type']}）" if f.get("job_type") else "")
        rows = [("姓        名：", f["name"]), ("证件类型：", "居民身份证"), ("证件号码：", f["id_number"]),
                ("职业名称：", occ), ("职业技能等级：", f"{lvl[0]}/{lvl[1]}"),
                ("证书编号：", f["certificate_number"]), ("发证日期：", cn_date(f["issue_date"])),
                ("评价机构：", f["issuer"])]
        _kv_lines(lay, 260, 1040, rows, 40, 96, 300)
        lay.text(w / 2, 2050, "本证书可在技能人才评价证书全国联网查询系统查询", 30, "sans", "ms", color=(90, 80, 60))
        lay.text(w / 2, 2100, "http://zscx.osta.org.cn", 30, "sans", "ms", color=(90, 80, 60))
        lay.image(1200, 1780, _qr(random.Random(f["certificate_number"]), 25, 7))
        if s.seal:
            lay.seal(1150, 1720, 160, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color,
                     s.seal.inner_text)
        return [lay]
    # Older 职业资格证书: an open booklet, cover text left, entries right.
    w, h = 2000, 1380
    lay = Layout(w, h, _pattern(w, h, (120, 150, 110), 32))
    lay.line(w / 2, 40, w / 2, h - 40, 3, (150, 150, 150))
    lay.text(w / 4, 330, "中华人民共和国", 52, "serif", "ms")
    lay.text(w / 4, 480, "职 业 资 格 证 书", 76, "serif", "ms", bold=True)
    lay.text(w / 4, 620, "中华人民共和国人力资源和社会保障部", 34, "serif", "ms")
    lay.text(w / 4, 680, "职业技能鉴定中心统一印制", 30, "serif", "ms")
    if s.extra.get("photo_seed") is not None:
        lay.image(w / 4 - 120, 800, photo_image(int(s.extra["photo_seed"])), 240, 349)
    b = parse(f["birth_date"]) if f.get("birth_date") else None
    rows = [("姓    名", f["name"]), ("性    别", f.get("gender", "")),
            ("出生日期", f"{b.year}年{b.month}月{b.day}日" if b else ""),
            ("身份证号", f["id_number"]), ("职业(工种)", f["occupation"] + (f"（{f['job_type']}）" if f.get("job_type") else "")),
            ("等    级", f"{lvl[1]}（国家职业资格{lvl[0]}）".replace("国家职业资格一级", "国家职业资格一级")),
            ("证书编号", f["certificate_number"]), ("发证日期", cn_date(f["issue_date"]))]
    _kv_lines(lay, w / 2 + 90, 260, rows, 38, 100, 240)
    lay.text(w / 2 + 90, 1120, f"发证机关：{f['issuer']}", 36, "serif")
    if s.seal:
        lay.seal(w / 2 + 650, 1060, 150, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color)
    return [lay]


def _title(s: DocSpec) -> list[Layout]:
    f = s.fields
    if style(s).get("approved"):
        return _title_approved(s)
    w, h = 2000, 1380
    lay = Layout(w, h, _pattern(w, h, (160, 60, 60), 41))
    lay.line(w / 2, 40, w / 2, h - 40, 3, (150, 150, 150))
    lay.text(w / 4, 400, "专业技术资格证书", 80, "serif", "ms", bold=True)
    lay.text(w / 4, 560, f["issuer"], 40, "serif", "ms")
    lay.text(w / 4, 640, "制", 40, "serif", "ms")
    if s.extra.get("photo_seed") is not None:
        lay.image(w / 2 + 110, 120, photo_image(int(s.extra["photo_seed"])), 200, 291)
    b = parse(f["birth_date"]) if f.get("birth_date") else None
    rows = [("姓    名", f["name"]), ("性    别", f.get("gender", "")),
            ("出生年月", f"{b.year}年{b.month}月" if b else ""), ("身份证号", f.get("id_number", "")),
            ("工作单位", s.extra.get("employer", "")), ("专    业", f["specialty"]),
            ("资格名称", f["title_name"]), ("级    别", f["title_level"]),
            ("批准时间", cn_date(f["issue_date"])), ("证书编号", f["certificate_number"])]
    _kv_lines(lay, w / 2 + 90, 500, rows, 36, 80, 230)
    lay.text(w / 2 + 90, 1320, f"发证机关：{f['issuer']}", 32, "serif")
    if s.seal:
        lay.seal(w - 300, 1160, 150, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color,
                 s.seal.inner_text)
    return [lay]


def _examiner(s: DocSpec) -> list[Layout]:
    f = s.fields
    w, h = 1600, 1050
    lay = Layout(w, h, _pattern(w, h, (90, 120, 170), 51))
    lay.line(w / 2, 30, w / 2, h - 30, 3, (150, 150, 150))
    title = "质量督导员证" if f["role"] == "质量督导员" else "考评员证"
    lay.text(w / 4, 250, "技能人才评价", 48, "serif", "ms")
    lay.text(w / 4, 400, title, 92, "serif", "ms", bold=True)
    lay.text(w / 4, 760, f["issuer"], 36, "serif", "ms")
    if s.extra.get("photo_seed") is not None:
        lay.image(w - 300, 90, photo_image(int(s.extra["photo_seed"])), 200, 291)
    rows = [("姓  名", f["name"]), ("性  别", f["gender"]), ("身份证号", f["id_number"]),
            ("职业(工种)", f["occupation"]), ("类  别", f["role"]), ("证卡号", f["card_number"]),
            ("发证日期", cn_date(f["issue_date"])), ("有效期至", cn_date(f["valid_to"]))]
    _kv_lines(lay, w / 2 + 60, 130, rows[:2], 34, 80, 200)
    _kv_lines(lay, w / 2 + 60, 430, rows[2:], 34, 80, 200)
    if s.seal:
        lay.seal(w / 4, 700, 140, s.seal.org_name, random.Random(f["card_number"]), s.seal.color)
    return [lay]


def _letter_sign(lay: Layout, y: float, org: str, date: str, seal: SealSpec | None, seed: str) -> None:
    w = lay.width
    lay.text(w - 220, y, org, 36, "sans", "rs")
    lay.text(w - 220, y + 80, cn_date(date), 36, "sans", "rs")
    if seal:
        lay.seal(w - 430, y + 10, 160, seal.org_name, random.Random(seed), seal.color, seal.inner_text)


def _work_cert(s: DocSpec) -> list[Layout]:
    f = s.fields
    w, h = A4
    lay = Layout(w, h)
    lay.text(w / 2, 330, "工 作 证 明", 72, "sans", "ms", bold=True)
    st = parse(f["start_date"])
    if s.variant == "gd":
        year = s.extra.get("year", REFERENCE_DATE.year)
        body = (f"兹有 {f['name']} 同志（身份证号：{f['id_number']}）自{st.year}年{st.month}月起在 {f['employer']}"
                f"（单位）{f['department']}（部门）从事职业技能认定(人才评价)行政或技术管理工作 {f['work_years']} 年，"
                f"现任{f['position']}。该同志综合素质较高，业务能力较强，职业道德良好，同意申请参加{year}年广东劳动学会"
                "职业技能等级认定内部质量督导员培训班，特此证明。")
        y = lay.para(200, 520, w - 400, body, 38, 72)
        y = lay.para(200, y + 40, w - 400, f"备注：此证明仅作参加{year}年广东劳动学会职业技能等级认定内部质量督导员培训凭证，"
                     "不作其他用途。本单位对此证明真实性负责。", 36, 68)
    else:
        years = {"full": f"至今已满{f['work_years']}年", "did": f"从事相关工作{f['work_years']}年"}.get(
            style(s).get("years_wording", ""), f"累计工作 {f['work_years']} 年")
        body = (f"兹证明 {f['name']} 同志（身份证号：{f['id_number']}），自{st.year}年{st.month}月起在我单位"
                f"{f['department']}工作，现任{f['position']}，从事职业技能培训与评价相关工作，{years}。"
                "该同志工作认真负责，遵纪守法，无违法违纪记录。")
        y = lay.para(200, 520, w - 400, body, 38, 72)
        y = lay.para(200, y + 20, w - 400, "特此证明。", 38, 72)
    y += 60
    lay.text(200, y, f"联 系 人：{s.extra.get('contact', '')}", 36)
    lay.text(200, y + 75, f"联系电话：{s.extra.get('contact_phone', '')}", 36)
    _letter_sign(lay, y + 260, f["employer"], f["issue_date"], s.seal, f["id_number"] + "wc")
    return [lay]


# -- table forms -----------------------------------------------------------------

Cell = tuple[float, str, str]  # (width px, text, kind: L label | V value | P paragraph | O opinion | C centred)


class _Form:
    """Paginates table rows onto A4 pages, drawing grid lines and cell text."""

    def __init__(self, title: str, subtitle: str, spec: DocSpec, x0: int = 130, size: int = 32) -> None:
        self.w, self.h = A4
        self.x0 = x0
        self.tw = self.w - 2 * x0
        self.size = size
        self.spec = spec
        self.pages: list[Layout] = []
        self._new_page()
        lay = self.lay
        lines = wrap(title, self.tw, 54, "sans")
        y = 220
        for ln in lines:
            lay.text(self.w / 2, y, ln, 54, "sans", "ms", bold=True)
            y += 80
        if subtitle:
            lay.text(self.w - x0, y + 10, subtitle, 30, "sans", "rs")
            y += 50
        self.y = y + 20

    def _new_page(self) -> None:
        self.lay = Layout(self.w, self.h)
        self.pages.append(self.lay)
        self.y = 160

    def row(self, height: float, cells: list[Cell], right_pad: float = 0) -> None:
        if self.y + height > self.h - 170:
            self._new_page()
        lay, x, y = self.lay, float(self.x0), self.y
        widths = [c[0] for c in cells]
        scale = (self.tw - right_pad) / sum(widths)
        for wdt, text, kind in cells:
            cw = wdt * scale
            lay.rect((x, y, x + cw, y + height), width=2)
            self._cell(x, y, cw, height, text, kind)
            x += cw
        self.y += height

    def auto_para_height(self, width_frac: float, text: str, min_h: float) -> float:
        lines = wrap(text, self.tw * width_frac - 40, self.size, "sans", indent=2)
        return max(min_h, len(lines) * self.size * 1.6 + 60)

    def _cell(self, x: float, y: float, cw: float, ch: float, text: str, kind: str) -> None:
        lay, sz = self.lay, self.size
        if kind in ("L", "C"):
            parts = text.split("\n")
            if kind == "L" and len(parts) == 1 and self._fits(text, cw - 16) is False:
                parts = wrap(text, cw - 20, sz)
            total = len(parts) * sz * 1.35
            yy = y + ch / 2 - total / 2 + sz
            for p in parts:
                lay.text(x + cw / 2, yy, p, sz, "sans", "ms")
                yy += sz * 1.35
        elif kind == "V":
            lines = [ln for part in text.split("\n") for ln in (wrap(part, cw - 28, sz) or [""])] or [""]
            total = len(lines) * sz * 1.35
            yy = y + ch / 2 - total / 2 + sz
            # Some issuers' word-processor tables centre the values in wide cells, far
            # right of their labels.
            centred = len(lines) == 1 and (self.spec.extra.get("style") or {}).get("centred_values")
            for ln in lines:
                if centred:
                    lay.text(x + cw / 2, yy, ln, sz, "sans", "ms")
                else:
                    lay.text(x + 14, yy, ln, sz)
                yy += sz * 1.35
        elif kind == "P":
            lay.para(x + 20, y + 20 + sz, cw - 40, text, sz, sz * 1.6)
        elif kind == "W":  # lines already wrapped (a paragraph cell continued from the page before)
            for i, ln in enumerate(text.split("\n")):
                lay.text(x + 20, y + 20 + sz + i * sz * 1.6, ln, sz)
        elif kind == "O":
            f, seal = self.spec.fields, self.spec.seal
            lay.para(x + 20, y + 30 + sz, cw - 40, text, sz, sz * 1.6)
            lay.text(x + cw - 60, y + ch - 110, "单位（盖章）", sz, "sans", "rs")
            lay.text(x + cw - 60, y + ch - 40, cn_date(f["fill_date"]), sz, "sans", "rs")
            if seal:
                lay.seal(x + cw - 230, y + ch - 110, 155, seal.org_name,
                         random.Random(str(f.get("id_number") or f.get("uscc")) + "form"), seal.color,
                         seal.inner_text)

    def para_rows(self, label: str, text: str, wl: float, wv: float, min_h: float, right_pad: float = 0) -> None:
        """A paragraph row that runs on over pages, as a word processor breaks a tall
        table cell: as many lines as fit here, the rest in a row (label cell empty) at the
        top of the next page."""
        sz, line_h = self.size, self.size * 1.6
        cw = wv * (self.tw - right_pad) / (wl + wv)
        lines = wrap(text, cw - 40, sz, "sans", indent=2)
        first = True
        while lines:
            room = int((self.h - 170 - self.y - 60) // line_h)
            if room < 3:
                self._new_page()
                continue
            chunk, lines = lines[:room], lines[room:]
            height = len(chunk) * line_h + 60
            if first and not lines:
                height = max(min_h, height)
            self.row(height, [(wl, label if first else "", "L"), (wv, "\n".join(chunk), "W")], right_pad)
            first = False

    @staticmethod
    def _fits(text: str, width: float) -> bool:
        return font(32).getlength(text) <= width

    def photo(self, top: float, height: float, width: float, seed: int | None, label: str) -> None:
        lay = self.pages[0]
        x1 = self.x0 + self.tw
        lay.rect((x1 - width, top, x1, top + height), width=2)
        if seed is not None:
            pw = int(min(width - 30, (height - 30) * 260 / 378))
            ph = int(pw * 378 / 260)
            lay.image(x1 - width / 2 - pw / 2, top + height / 2 - ph / 2, photo_image(seed), pw, ph)
        else:
            yy = top + height / 2 - len(label) * 22 + 30
            for ch in label:
                lay.text(x1 - width / 2, yy, ch, 32, "sans", "ms")
                yy += 44


def _rec_form(s: DocSpec) -> list[Layout]:
    f, e, v = s.fields, s.extra, s.variant
    R = 100  # standard row height
    if v == "org":
        form = _Form("广东省社会培训评价组织备案申请表", f"填表日期：{cn_date(f['fill_date'])}", s)
        form.row(R, [(1, "机构名称", "L"), (3, f["org_name"], "V")])
        form.row(R, [(1, "统一社会\n信用代码", "L"), (1.6, f["uscc"], "V"), (0.7, "机构类型", "L"), (0.7, e["category"], "V")])
        form.row(R, [(1, "法定代表人", "L"), (1.6, f["legal_representative"], "V"), (0.7, "联系人", "L"),
                     (0.7, e["contact"], "V")])
        form.row(R, [(1, "注册地址", "L"), (3, f["address"], "V")])
        form.row(R, [(1, "联系电话", "L"), (3, f["phone"], "V")])
        occ = "；".join(f"{o}（{e['levels'][o]}）" for o in f["occupations"])
        form.row(max(R, 60 + 50 * len(wrap(occ, 1000, 32))), [(1, "申请职业（工种）\n及等级", "L"), (3, occ, "V")])
        form.row(form.auto_para_height(0.75, e["summary"], 500), [(1, "机构基本情况", "L"), (3, e["summary"], "P")])
        form.row(420, [(1, "申请单位\n意见", "L"), (3, "本单位承诺所填信息及提交材料真实有效，自愿接受监督管理，特此申请。", "O")])
        form.row(300, [(1, "地市推荐\n意见", "L"), (3, "", "V")])
        return form.pages
    if v == "gd":
        title = f"{e['year']}年广东劳动学会内部质量督导员推荐表"
        form = _Form(title, "", s)
        top, pw = form.y, 300
        form.row(R, [(1, "姓  名", "L"), (1.3, f["name"], "V"), (1, "职  务", "L"), (1.3, e["position"], "V")], pw)
        b = parse(f["birth_date"])
        form.row(R, [(1, "性  别", "L"), (1.3, f["gender"], "V"), (1, "出生年月", "L"), (1.3, f"{b.year}.{b.month:02d}", "V")], pw)
        form.row(R, [(1, "学  历", "L"), (1.3, f["education_level"], "V"), (1, "政治面貌", "L"),
                     (1.3, f["political_status"], "V")], pw)
        form.row(R, [(1, "职  称", "L"), (1.3, e["title"][1], "V"), (1, "工作年限", "L"), (1.3, f"{e['work_years']}年", "V")], pw)
        form.photo(top, 4 * R, pw, e.get("photo_seed"), "照片")
        form.row(R, [(1, "身份证号", "L"), (2.0, f["id_number"], "V"), (1.3, "是否获得外部\n质量督导员资格", "L"), (0.9, "否", "C")])
        form.row(R, [(1, "工作单位", "L"), (2.0, f["employer"], "V"), (1.0, "手机号码", "L"), (1.2, f["phone"], "V")])
        form.row(R, [(1, "联系地址", "L"), (4.2, f["address"], "V")])
        form.row(form.auto_para_height(0.8, f["work_summary"], 520), [(1, "工作简历", "L"), (4.2, f["work_summary"], "P")])
        form.row(360, [(1, "单位意见", "L"), (4.2, "情况属实，同意推荐。", "O")])
        form.row(150, [(1, "其他情况\n说明", "L"), (4.2, "", "V")])
        form.lay.text(form.x0, form.y + 60, f"所在单位考务工作人员姓名：{e['clerk']}      电话：{e['clerk_phone']}", 30)
        return form.pages
    if v == "sc-exam":
        title = "四川省技能人才评价高级考评员资格申报表" if e.get("senior") else "四川省技能人才评价考评员资格申报表"
        form = _Form(title, f"填表日期：{cn_date(f['fill_date'])}", s)
        top, pw = form.y, 280
        form.row(R, [(1, "姓名", "L"), (1, f["name"], "V"), (0.7, "性别", "L"), (0.6, f["gender"], "C"),
                     (0.7, "年龄", "L"), (0.6, str(e["age"]), "C")], pw)
        form.row(R, [(1, "身份证号码", "L"), (3.6, f["id_number"], "V")], pw)
        form.row(R, [(1, "联系手机", "L"), (1.3, f["phone"], "V"), (1, "文化程度", "L"), (1.3, f["education_level"], "V")], pw)
        form.row(R, [(1, "工作单位", "L"), (3.6, f["employer"], "V")], pw)
        form.photo(top, 4 * R, pw, e.get("photo_seed"), "照片")
        form.row(R * 1.3, [(1, "联系地址", "L"), (2.3, f["address"], "V"), (1, "专业技术\n职称", "L"), (1.3, e["title"][1], "V")])
        lvl = e["level"]
        form.row(R * 1.3, [(1, "所在地区", "L"), (2.3, e["city"], "V"), (1, "职业资格\n证书", "L"),
                           (1.3, f"{f['occupations'][0]}{lvl[0]}/{lvl[1]}", "V")])
        st = style(s)
        occ_label = "申报考评职\n业工种" if st.get("wrapped_label") else "申报考评\n职业工种"
        occ_text = ("\n" if st.get("one_per_line") else "、").join(f["occupations"])
        form.row(max(R, 40 + 45 * len(f["occupations"])) if st.get("one_per_line") else R,
                 [(1, occ_label, "L"), (4.6, occ_text, "V")])
        if st.get("long_summary"):
            form.para_rows("工\n作\n简\n介", f["work_summary"], 1, 4.6, 520)
        else:
            form.row(form.auto_para_height(0.8, f["work_summary"], 520),
                     [(1, "工\n作\n简\n介", "L"), (4.6, f["work_summary"], "P")])
        form.row(330, [(1, "承\n诺\n声\n明", "L"), (4.6, "本人参加培训前认真阅读相关文件规定，郑重承诺所填写信息及提供的资料真实有效，"
                       "符合考评员申报条件，知晓培训考核方式、资格审核及相关要求，如提供虚假资料，所有不利后果由本人承担。", "P")])
        lay = form.lay
        lay.text(form.x0 + form.tw - 60, form.y - 60, f"承诺人（本人签名）：{f['name']}    {cn_date(f['fill_date'])}", 30,
                 "sans", "rs")
        form.row(340, [(1, "推荐\n单位\n意见", "L"), (4.6, "同意推荐。", "O")])
        form.lay.text(form.x0, form.y + 60, "填表说明：1.考评职业（工种）与所从事工作相关，不超过3个（同类型）。", 28)
        form.lay.text(form.x0 + 150, form.y + 105, "2.工作简介过于简单，少于200字，视为从业经验不足，属不符合申报条件。", 28)
        return form.pages
    if v == "sc-sup":
        form = _Form("四川省技能人才评价质量督导员推荐表", f"填表时间：{cn_date(f['fill_date'])}", s)
        top, pw = form.y, 280
        form.row(R, [(1, "姓名", "L"), (1.3, f["name"], "V"), (1, "性别", "L"), (1.3, f["gender"], "C")], pw)
        form.row(R, [(1, "身份证号码", "L"), (1.6, f["id_number"], "V"), (0.9, "联系电话", "L"), (1.1, f["phone"], "V")], pw)
        form.row(R * 1.2, [(1, "原质量督导员\n证卡号", "L"), (1.6, "无", "V"), (0.9, "所在\n地区", "L"), (1.1, e["city"], "V")], pw)
        form.photo(top, 3.2 * R, pw, e.get("photo_seed"), "照片")
        form.row(R, [(1, "工作单位", "L"), (3.6, f["employer"], "V")])
        form.row(R * 1.3, [(1, "通信地址\n及邮编", "L"), (3.6, f["address"], "V")])
        form.row(form.auto_para_height(0.78, f["work_summary"], 560),
                 [(1, "督导工作\n经历\n（不少于\n200字）", "L"), (3.6, f["work_summary"], "P")])
        form.row(360, [(1, "所在单位\n意见", "L"), (3.6, "同意推荐。", "O")])
        form.row(140, [(1, "备注", "L"), (3.6, "", "V")])
        return form.pages
    # gz: 广州市职业技能培训评价专家推荐表
    form = _Form("广州市职业技能培训评价专家推荐表", f"填表日期：{cn_date(f['fill_date'])}", s, size=30)
    top, pw = form.y, 300
    b = parse(f["birth_date"])
    form.row(R, [(0.8, "姓名", "L"), (1, f["name"], "V"), (0.6, "性别", "L"), (0.5, f["gender"], "C"),
                 (0.8, "出生年月", "L"), (0.9, f"{b.year}.{b.month:02d}", "V")], pw)
    form.row(R, [(0.8, "政治面貌", "L"), (1, f["political_status"], "V"), (0.6, "民族", "L"),
                 (0.5, f["ethnicity"], "C"), (0.8, "学历", "L"), (0.9, f["education_level"], "V")], pw)
    form.row(R * 1.2, [(0.8, "从事职业", "L"), (1.1, f["occupations"][0], "V"), (1.2, "申请专家组专业\n（不超过3个）", "L"),
                       (1.5, "、".join(f["occupations"]), "V")], pw)
    lvl = e["level"]
    form.row(R * 1.4, [(0.8, "职业资格", "L"), (1.5, f"等级：{lvl[0]}/{lvl[1]}\n职业（工种）：{f['occupations'][0]}", "V"),
                       (0.6, "职称", "L"), (1.6, f"等级：{e['title'][2]}\n专业：{e['title'][0]}", "V")], pw)
    form.photo(top, 4.6 * R, pw, e.get("photo_seed"), "二寸彩色近照")
    form.row(R, [(0.8, "工作单位", "L"), (2.6, f["employer"], "V"), (0.6, "职务", "L"), (1.0, e["position"], "V")])
    form.row(R, [(0.8, "身份证号", "L"), (2.0, f["id_number"], "V"), (0.6, "手机", "L"), (1.6, f["phone"], "V")])
    form.row(R, [(0.8, "电子信箱", "L"), (4.2, f["email"], "V")])
    form.row(R * 1.4, [(0.8, "承担任务\n类型", "L"), (4.2, "☑ 职业技能等级认定、专项能力考核考评员培训指导  ☐ 职业技能评价机构评估", "V")])
    form.row(form.auto_para_height(0.8, f["work_summary"], 520),
             [(0.8, "职业技能\n培训评价\n工作经历", "L"), (4.2, f["work_summary"], "P")])
    form.row(360, [(0.8, "推荐单位\n意见", "L"), (4.2, "该同志符合推荐条件，同意推荐。", "O")])
    form.row(260, [(0.8, "市职业能力\n建设指导\n中心意见", "L"), (4.2, "", "V")])
    return form.pages


def _license(s: DocSpec) -> list[Layout]:
    f, e = s.fields, s.extra
    w, h = 2339, 1654
    lay = Layout(w, h, _pattern(w, h, (200, 150, 110), 61, 0.7))
    _frame(lay, (170, 60, 40), 50)
    _emblem(lay, w / 2, 190, 85)
    title = {"public": "事业单位法人证书", "npo": "民办非企业单位登记证书"}.get(s.variant, "营 业 执 照")
    lay.text(w / 2, 400, title, 110 if s.variant == "company" else 90, "serif", "ms", bold=True)
    lay.text(w / 2, 470, "（副  本）", 40, "serif", "ms")
    # Above the title's band: level with it, the code ran into a long title (民办非企业单位登记证书).
    lay.text(170, 275, f"统一社会信用代码  {f['uscc']}", 38, "serif")
    lay.image(170, 500, _qr(random.Random(f["uscc"]), 25, 9))
    est = parse(f["established_date"])
    if s.variant == "company":
        rows = [("名        称", f["org_name"]), ("类        型", f["org_type"]),
                ("法定代表人", f["legal_representative"]),
                ("经营范围", "职业技能培训；人力资源服务；教育咨询服务；组织文化艺术交流活动；会议及展览服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）")]
        right = [("注册资本", f"人民币{e['capital']}万元"), ("成立日期", cn_date(f["established_date"])),
                 ("营业期限", f"{cn_date(f['established_date'])}至长期"), ("住        所", f["address"])]
    else:
        rows = [("名        称", f["org_name"]), ("类        型", f["org_type"]),
                ("法定代表人", f["legal_representative"]),
                ("宗旨和业务范围", "开展职业技能培训，提高劳动者职业技能；开展" + "、".join(e["occupations"]) + "等职业的培训与评价。")]
        right = [("开办资金", f"{e['capital']}万元"), ("成立日期", cn_date(f["established_date"])),
                 ("有 效 期", f"{est.year}年{est.month}月{est.day}日至长期"), ("住        所", f["address"])]
    if style(s).get("spread_labels"):  # 名    称 spread over the whole label column, as on the printed licence
        rows = [(k.replace("        ", "").replace(" ", ""), v) for k, v in rows]
        right = [(k.replace("        ", "").replace(" ", ""), v) for k, v in right]
    y = 640
    for k, v in rows:
        if style(s).get("spread_labels") and len(k) == 2:
            lay.text(560, y, k[0], 36, "serif")
            lay.text(760, y, k[1], 36, "serif")
        else:
            lay.text(560, y, k, 36, "serif")
        lines = wrap(v, 620, 36)
        for ln in lines:
            lay.text(800, y, ln, 36, "serif")
            y += 60
        y += 30
    y = 640
    for k, v in right:
        if style(s).get("spread_labels") and len(k) == 2:
            lay.text(1460, y, k[0], 36, "serif")
            lay.text(1610, y, k[1], 36, "serif")
        else:
            lay.text(1460, y, k, 36, "serif")
        for ln in wrap(v, 560, 36):
            lay.text(1660, y, ln, 36, "serif")
            y += 60
        y += 30
    auth = s.seal.org_name if s.seal else ""
    lay.text(1680, 1400, "登 记 机 关", 40, "serif", "ms")
    lay.text(1680, 1480, cn_date(e["issued"]), 38, "serif", "ms")
    if s.seal:
        lay.seal(1680, 1400, 165, auth, random.Random(f["uscc"]), s.seal.color)
    lay.text(w / 2, h - 90, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 30, "sans", "ms", color=(90, 60, 50))
    return [lay]


def _app_letter(s: DocSpec) -> list[Layout]:
    f, e = s.fields, s.extra
    w, h = A4
    lay = Layout(w, h)
    if s.variant == "推荐函" and e.get("letter_form") == "公函":
        y = _official_letter(lay, s)
    elif s.variant == "推荐函":
        lay.text(w / 2, 330, "推 荐 函", 72, "sans", "ms", bold=True)
        lay.text(200, 500, "广东省人力资源和社会保障厅：", 38)
        body = (f"兹推荐{e['subject_org']}（统一社会信用代码：{e['uscc']}）申请广东省社会培训评价组织备案，"
                f"申请职业（工种）为{'、'.join(e['occupations'])}。该机构在本行业具有较强的代表性和影响力，"
                "管理规范，信用良好，具备开展相关职业技能等级认定的能力。我单位同意推荐，并将指导其规范开展评价工作。")
        y = lay.para(200, 590, w - 400, body, 38, 72)
        y = lay.para(200, y + 10, w - 400, "特此推荐。", 38, 72)
    else:
        lay.text(w / 2, 300, "广东省社会培训评价组织", 56, "sans", "ms", bold=True)
        lay.text(w / 2, 390, "培育机构工作承诺书", 64, "sans", "ms", bold=True)
        items = [f"本机构自愿申请成为广东省社会培训评价组织培育机构，申请职业（工种）为{'、'.join(e['occupations'])}，现郑重承诺如下：",
                 "一、严格遵守国家和省有关职业技能等级认定的法律法规和政策规定，接受人力资源社会保障部门的指导和监管。",
                 "二、在培育辅导期内按要求完成考务培训和试题资源开发任务，保证所提交的申请材料真实、准确、完整。",
                 "三、规范开展职业技能等级认定工作，严格执行考务管理规程，不以营利为目的乱收费，不弄虚作假。",
                 "四、如有违反上述承诺的行为，自愿承担相应责任并接受取消培育资格等处理。"]
        y = 520.0
        for it in items:
            y = lay.para(200, y, w - 400, it, 36, 68) + 10
        lay.text(200, y + 60, f"法定代表人（签字）：{e.get('rep', '')}", 36)
        y += 120
    signer = e.get("dept", f["org_name"])
    _letter_sign(lay, y + 220, signer, f["issue_date"], s.seal, signer + "letter")
    return [lay]


def _official_letter(lay: Layout, s: DocSpec) -> float:
    """A department's recommendation as an official letter (公函, GB/T 9704): the
    issuer's red heading, a letter number 粤X函〔year〕N号 over a red rule, the title
    关于推荐…的函, and 特此函告 at the end; returns the baseline after the body."""
    f, e = s.fields, s.extra
    w = lay.width
    red = (200, 30, 30)
    dept = e["dept"]  # the department writes the letter; fields["org_name"] is the one recommended
    lay.text(w / 2, 300, dept, 84, "serif", "ms", color=red, bold=True)
    year = f["issue_date"][:4]
    number = int(e["uscc"][-4:], 36) % 300 + 1
    lay.text(w / 2, 430, f"粤{dept[3:5]}函〔{year}〕{number}号", 36, "serif", "ms")
    lay.line(160, 470, w - 160, 470, 5, red)
    y = 580.0
    for ln in wrap(f"{dept}关于推荐{e['subject_org']}申请广东省社会培训评价组织备案的函", w - 400, 50, "sans"):
        lay.text(w / 2, y, ln, 50, "sans", "ms", bold=True)
        y += 76
    lay.text(200, y + 60, "广东省人力资源和社会保障厅：", 38)
    body = (f"按照社会培训评价组织遴选推荐工作的有关要求，我会对{e['subject_org']}（统一社会信用代码："
            f"{e['uscc']}）的申请材料进行了审核。该机构在本行业具有代表性，管理规范，信用良好，"
            f"同意推荐其申请广东省社会培训评价组织备案，申请职业（工种）为{'、'.join(e['occupations'])}。")
    y = lay.para(200, y + 150, w - 400, body, 38, 72)
    y = lay.para(200, y + 10, w - 400, "我会将督促该机构规范开展评价工作，并配合做好监督管理。", 38, 72)
    return lay.para(200, y + 10, w - 400, "特此函告。", 38, 72)


def _other(s: DocSpec) -> list[Layout]:
    e = s.extra
    w, h = 1654, 1100
    lay = Layout(w, h)
    if s.variant == "receipt":
        lay.text(w / 2, 180, "培训费缴费凭证", 60, "sans", "ms", bold=True)
        rows = [("交款人：", e["name"]), ("交款项目：", "职业技能评价人员培训费"),
                ("金    额：", f"人民币{e['amount']}.00元"), ("交款日期：", cn_date(e["date"])),
                ("流 水 号：", e["serial"])]
        _kv_lines(lay, 200, 330, rows, 36, 90, 230, "sans")
    else:
        lay.text(w / 2, 180, "培训报名回执", 60, "sans", "ms", bold=True)
        lay.para(200, 330, w - 400, f"{e['name']}同志：您的培训报名信息已提交成功，请留意审核结果通知，并按时参加培训。"
                 f"报名编号：{e['serial']}。", 36, 70)
        lay.text(w - 200, 800, cn_date(e["date"]), 36, "sans", "rs")
    return [lay]


def _photo(s: DocSpec) -> list[Layout]:
    w, h = photo_size(s)
    lay = Layout(w, h)
    if s.extra.get("subject"):  # defect injection: a cat or a picture of text instead of a face
        lay.image(0, 0, make_non_face_photo(s.extra["subject"], (w, h), int(s.extra["photo_seed"])))
        return [lay]
    img = make_id_photo(int(s.extra["photo_seed"]), (w, h), s.extra.get("background", "white"),
                        s.extra.get("color", True))
    if s.extra.get("grain"):  # defect injection: camera grain that makes a huge file
        img = add_grain(img, float(s.extra["grain"]), int(s.extra["photo_seed"]))
    lay.image(0, 0, img)
    return [lay]


def photo_size(s: DocSpec) -> tuple[int, int]:
    """The photo's pixel size: its format's, unless a defect asked for another."""
    size = s.extra.get("size")
    return (int(size[0]), int(size[1])) if size else PHOTO_SIZES.get(s.variant, (260, 378))


RENDERERS: dict[str, Callable[[DocSpec], list[Layout]]] = {
    "diploma": _diploma, "degree": _degree, "skill_certificate": _skill, "title_certificate": _title,
    "examiner_card": _examiner, "work_certificate": _work_cert, "recommendation_form": _rec_form,
    "business_license": _license, "application_letter": _app_letter, "other": _other, "photo": _photo,
}


def _edit_seals(spec: DocSpec, layouts: list[Layout]) -> list[Layout]:
    """The document's pages as a defect leaves them: the seal moved (`seal_at`) or lifted
    off to be pasted onto the scan later (`paste_seal`). Defects set these (pipeline.samples.forgery)."""
    at = spec.extra.get("seal_at")
    lift = bool(spec.extra.get("paste_seal"))
    for i, lay in enumerate(layouts):
        ops = []
        for op in lay.ops:
            if isinstance(op, SealOp):
                if lift:
                    continue
                if at and i == at["page"]:
                    op = dataclasses.replace(op, cx=float(at["cx"]), cy=float(at["cy"]))
            ops.append(op)
        lay.ops = ops
    return layouts


def render_layouts(spec: DocSpec) -> list[Layout]:
    """The pages of a document as layouts (for PDFs with a text layer)."""
    if spec.doc_type == "id_card":
        layouts = _id_back(spec) if spec.variant == "back" else _id_front(spec)
    else:
        layouts = RENDERERS[spec.doc_type](spec)
    if spec.extra.get("seal_at") or spec.extra.get("paste_seal"):  # defect injection moved or lifted the seal
        layouts = _edit_seals(spec, layouts)
    ink = spec.extra.get("seal_ink")
    if ink:  # variety: the issuer's ink pad (pipeline.samples.seals.INK_STYLES)
        for lay in layouts:
            lay.ops = [dataclasses.replace(op, ink=ink) if isinstance(op, SealOp) else op for op in lay.ops]
    if style(spec).get("traditional"):
        for lay in layouts:
            for op in lay.ops:
                if isinstance(op, TextOp):
                    op.text = traditional(op.text)
    return layouts


def seal_places(spec: DocSpec) -> list[tuple[int, SealOp, tuple[int, int]]]:
    """Where the document's seals are on its clean pages: (page index, seal, page size),
    a seal pasted in after rendering included (truth.json records them)."""
    out = [(i, op, (lay.width, lay.height)) for i, lay in enumerate(render_layouts(spec))
           for op in lay.ops if isinstance(op, SealOp)]
    pasted = spec.extra.get("paste_seal")
    if pasted:
        out.append((int(pasted["page"]), SealOp(pasted["cx"], pasted["cy"], int(pasted["radius"]), pasted["org_name"],
                                                 0, pasted["color"], pasted.get("inner_text")),
                    (int(pasted["page_size"][0]), int(pasted["page_size"][1]))))
    return out


def render_pages(spec: DocSpec) -> list[Image.Image]:
    """The pages of a document as clean RGB images at 200 dpi."""
    return [to_image(lay) for lay in render_layouts(spec)]


def render_document(doc_type: str, person: Person, rng: random.Random, profile: str = "generic",
                    variant: str | None = None) -> Image.Image:
    """First page of one freshly built document for `person`, clean (no degradation)."""
    return render_pages(build_doc(doc_type, person, rng, profile, variant))[0]


# ---------------------------------------------------------------- variety (issue 10)
# With a batch's variety on, each document draws a style (`draw_style`, from its own rng):
# the label wordings and layouts of the notices' real forms and of other issuers'
# certificates, values wrapped over lines, and text a font makes the recogniser read as
# traditional characters. A style never changes what a document says (its truth fields).


def style(spec: DocSpec) -> dict[str, Any]:
    return spec.extra.get("style") or {}


def draw_style(spec: DocSpec, rng: random.Random) -> dict[str, Any]:
    """The drawing variant of one document; also fits the truth to what the variant
    prints (the booklet prints one name under 职业(工种): occupation and 工种 alike)."""
    st: dict[str, Any] = {"traditional": rng.random() < 0.25}
    t = spec.doc_type
    if t == "id_card" and spec.variant == "front":
        st["one_box_rows"] = rng.random() < 0.5
    elif t == "skill_certificate" and spec.variant == "old":
        st["booklet"] = rng.random() < 0.7
        if st["booklet"]:
            spec.fields["job_type"] = spec.fields["occupation"]
            if spec.fields.get("birth_date"):
                spec.fields["birth_date"] = spec.fields["birth_date"][:7]  # printed as 出生年月
    elif t == "title_certificate":
        st["approved"] = rng.random() < 0.7
        if st["approved"]:
            spec.fields.pop("birth_date", None)  # printed to the month only, as 出生年月
    elif t == "recommendation_form":
        st["wrapped_label"] = rng.random() < 0.6
        st["one_per_line"] = rng.random() < 0.5
        st["long_summary"] = spec.variant == "sc-exam" and rng.random() < 0.5
        if st["long_summary"]:  # a summary long enough to run on to the next page
            spec.fields["work_summary"] = long_summary(spec.fields["work_summary"], rng)
        st["centred_values"] = rng.random() < 0.4
    elif t == "business_license":
        st["spread_labels"] = rng.random() < 0.6
    elif t == "work_certificate":
        st["years_wording"] = rng.choice(("full", "did", ""))
    return st


LONG_SUMMARY_MORE = (
    "在日常工作中注重理论与实践相结合，认真钻研本职业的新技术、新工艺、新设备和新材料，总结形成了较为系统的操作方法和培训经验。",
    "多年来承担单位新员工入职培训和岗位练兵工作，按照国家职业技能标准组织理论教学和实操训练，所带学员多人取得相应职业技能等级证书。",
    "参与本单位职业技能等级认定的考务组织工作，熟悉考场布置、考务流程和考评纪律要求，能够按照标准开展理论知识考试和操作技能考核。",
    "积极参加行业协会组织的技术交流和业务研讨活动，了解本职业技能人才评价的政策要求和发展方向，具备承担考评工作的能力。",
    "在工作中坚持原则、廉洁自律，具有良好的职业道德和敬业精神，能够严格遵守考评人员守则，自觉接受评价机构和主管部门的监督。",
)


def long_summary(text: str, rng: random.Random) -> str:
    """A work summary of 700-900 characters (the notices ask for at least 200)."""
    more = list(LONG_SUMMARY_MORE)
    rng.shuffle(more)
    target = rng.randint(700, 900)
    i = 0
    while len(text) < target:
        text += more[i % len(more)]
        i += 1
    return text


@functools.lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """Text as a font whose glyphs OCR reads as traditional (學/橋/東): each character
    its traditional form where reading it back to simplified gives the same character
    (never a name the normaliser would keep changed: 乾), and 於 for the preposition 于
    before a date."""
    from models.ocr import to_simplified

    out = []
    for i, c in enumerate(text):
        t = _s2t().convert(c)
        ahead = text[i + 1:i + 4]
        if c == "于" and ahead.strip()[:1].isdigit():
            t = "於"  # the preposition before a date, as traditional print has it
        out.append(t if len(t) == 1 and to_simplified(t + ahead)[0] == c else c)
    conv = "".join(out)
    return conv if to_simplified(conv) == text else text


def _spaced(lay: Layout, x: float, y: float, label: str, size: int, gap: float, style_: str = "serif") -> None:
    """A two-character label letter-spaced over its column (姓      名)."""
    lay.text(x, y, label[0], size, style_)
    lay.text(x + gap, y, label[1], size, style_)


def _skill_booklet(s: DocSpec) -> list[Layout]:
    """The older 职业资格证书 as many provinces printed it: holder left (姓 名 spread, the
    value close to the second character), entries right under 职业(工种)及等级, the
    issuing body on the line under 发证机关(盖章)."""
    f = s.fields
    lvl = SKILL_LEVEL_NAMES[int(f["skill_level"])]
    w, h = 2000, 1380
    lay = Layout(w, h, _pattern(w, h, (120, 150, 110), 32))
    lay.line(w / 2, 40, w / 2, h - 40, 3, (150, 150, 150))
    rng = random.Random(f["certificate_number"])
    x, y, gap = 160, 520, 110
    b = parse(f["birth_date"]) if f.get("birth_date") else None
    _spaced(lay, x, y, "姓名", 40, gap)
    lay.text(x + gap + 44, y, f["name"], 40, "serif")
    _spaced(lay, x, y + 90, "性别", 40, gap)
    lay.text(x + gap + 44, y + 90, f.get("gender", ""), 40, "serif")
    lay.text(x, y + 180, f"出生年月{b.year}年{b.month}月" if b else "", 40, "serif")
    lay.text(x, y + 270, f"身份证号{f['id_number']}", 40, "serif")
    if s.extra.get("photo_seed") is not None:
        lay.image(w / 4 + 60, 120, photo_image(int(s.extra["photo_seed"])), 200, 291)
    lay.text(w * 3 / 4, 150, "职业资格证书", 52, "serif", "ms", bold=True)
    x, y = w / 2 + 120, 260
    lay.text(x, y, "职业(工种)及等级：", 40, "serif")
    lay.text(x + 60, y + 80, f["occupation"], 42, "serif")
    lay.text(x + 60, y + 160, f"国家职业资格{lvl[0]}({lvl[1][:2] if len(lvl[1]) > 2 else lvl[1]})", 40, "serif")
    lay.text(x, y + 260, f"理论知识考试成绩：{rng.randint(60, 95)}", 38, "serif")
    lay.text(x, y + 340, f"操作技能考核成绩：{rng.randint(60, 95)}", 38, "serif")
    lay.text(x, y + 420, f"证书编号：{f['certificate_number']}", 38, "serif")
    lay.text(x, y + 500, f"发证日期：{cn_date(f['issue_date'])}", 38, "serif")
    lay.text(x, y + 600, "发证机关(盖章)", 38, "serif")
    lay.text(x + 20, y + 680, f["issuer"], 40, "serif")
    if s.seal:
        lay.seal(x + 520, y + 600, 150, s.seal.org_name, rng, s.seal.color)
    return [lay]


def _title_approved(s: DocSpec) -> list[Layout]:
    """A 专业技术资格证书 that states its approval in a sentence (经…职称评审委员会评审通过，
    …核准) above its entries, with spread labels and the issuer under 发证机关(盖章)."""
    f, e = s.fields, s.extra
    w, h = 2000, 1380
    lay = Layout(w, h, _pattern(w, h, (160, 60, 60), 41))
    lay.line(w / 2, 40, w / 2, h - 40, 3, (150, 150, 150))
    x, y, gap = 160, 560, 120
    _spaced(lay, x, y, "姓名", 40, gap)
    lay.text(x + gap + 44, y, f["name"], 40, "serif")
    _spaced(lay, x, y + 100, "性别", 40, gap)
    lay.text(x + gap + 44, y + 100, f.get("gender", ""), 40, "serif")
    lay.text(x, y + 200, f"身份证号{f['id_number']}", 40, "serif")
    lay.text(x, y + 300, f"工作单位{e.get('employer', '')}", 40, "serif")
    lay.text(w * 3 / 4, 150, "专业技术资格证书", 56, "serif", "ms", bold=True)
    x, y = w / 2 + 110, 270
    province = f["issuer"][:3]
    lay.text(x, y, f"经{province}{f['specialty']}{f['title_level'].replace('副高级', '高级')}职称评审委员会", 38, "serif")
    lay.text(x, y + 66, f"评审通过，{f['issuer']}核准，", 38, "serif")
    lay.text(x, y + 132, f"{f['name']}同志具备{f['title_name']}资格。", 38, "serif")
    y += 230
    lay.text(x, y, f"资格名称{f['title_name']}", 40, "serif")
    _spaced(lay, x, y + 90, "专业", 40, gap)
    lay.text(x + gap + 44, y + 90, f["specialty"], 40, "serif")
    _spaced(lay, x, y + 180, "级别", 40, gap)
    lay.text(x + gap + 44, y + 180, f["title_level"], 40, "serif")
    lay.text(x, y + 270, f"证书编号{f['certificate_number']}", 40, "serif")
    lay.text(x, y + 360, f"发证日期{cn_date(f['issue_date'])}", 40, "serif")
    lay.text(x, y + 470, "发证机关(盖章)：", 38, "serif")
    lay.text(x + 30, y + 550, f["issuer"], 40, "serif")
    if s.seal:
        lay.seal(x + 640, y + 470, 150, s.seal.org_name, random.Random(f["certificate_number"]), s.seal.color,
                 s.seal.inner_text)
    return [lay]
