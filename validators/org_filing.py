"""An organisation filing (a profile with `org` rules): the USCC against GB 32100
(stdnum.cn.uscc), the province it is registered in (characters 3–8 are the
administrative division code), the kind of organisation (characters 1–2: registration
authority and type, e.g. 11 = 机构编制 + 机关, a government body), and the organisation's
name and USCC agreeing across licence, forms and roster.

Region and type are only judged on a valid USCC: a misread code is USCC_INVALID's
finding, not a wrong province. A public institution (a type code the profile warns on,
12) is flagged for a human to check that it is a school, unless its name already says so.
A 推荐函 is written by another organisation (a provincial department or association), so
an application letter that reads as one is left out of the name comparison.
"""

from __future__ import annotations

from dataclasses import replace

from stdnum.cn import uscc

from pipeline.context import ApplicantContext
from pipeline.types import DocType, Finding, Severity
from validators.common import (
    RANK_WEIGHT,
    Source,
    clean_id,
    distance,
    field_sources,
    finding,
    labels,
    mismatch_confidence,
    org_mismatches,
    refs,
)

ORG_DOCS = (DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM, DocType.APPLICATION_LETTER)
SCHOOL_WORDS = ("学校", "学院", "大学", "技校", "职校", "中学", "学堂")
TYPE_WORDS = {"11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他机构编制单位",
              "51": "社会团体", "52": "民办非企业单位", "53": "基金会", "91": "企业", "92": "个体工商户",
              "93": "农民专业合作社"}


def check(ctx: ApplicantContext) -> list[Finding]:
    rule = ctx.profile.org
    if rule is None:
        return []
    codes = _rerank(field_sources(ctx, "uscc", ORG_DOCS, "统一社会信用代码"))
    names = _rerank([s for s in field_sources(ctx, "org_name", ORG_DOCS, "机构名称")
                     if not from_other_org(ctx, s)])
    findings = _codes(codes)
    valid = [s for s in codes if uscc.is_valid(clean_id(s.value))]
    if valid:
        ref = max(valid, key=lambda s: (s.confidence * RANK_WEIGHT[s.rank], -s.rank))
        findings += _region_and_type(ctx, clean_id(ref.value), ref, names)
    findings += org_mismatches(names, "org_name", "机构名称")
    return findings


def _rerank(sources: list[Source]) -> list[Source]:
    """For an organisation the licence is the most trustworthy source, then the form."""
    order = {DocType.BUSINESS_LICENSE.value: 0, DocType.RECOMMENDATION_FORM.value: 1}
    return [replace(s, rank=order.get(s.doc_type or "", s.rank)) for s in sources]


def from_other_org(ctx: ApplicantContext, s: Source) -> bool:
    """Whether a reading comes from a 推荐函 (issued by someone else)."""
    if s.doc_type != DocType.APPLICATION_LETTER.value:
        return False
    doc = next((d for d in ctx.documents if d.ref == s.ref and d.type == DocType.APPLICATION_LETTER), None)
    return doc is None or "推荐" in doc.text


def _codes(codes: list[Source]) -> list[Finding]:
    """Each distinct code checked once; codes that disagree between sources."""
    by_code: dict[str, list[Source]] = {}
    for s in codes:
        by_code.setdefault(clean_id(s.value), []).append(s)
    findings = []
    misread = _misreadings(by_code)
    for code, (meant, sources) in misread.items():
        findings.append(finding(
            "OCR_SLIP", Severity.INFO,
            f"{labels(sources)}上的统一社会信用代码识别为“{code}”（校验不通过，识别置信度 "
            f"{max(s.confidence for s in sources):.2f}），与{labels(by_code[meant])}上的有效代码“{meant}”"
            f"相差 {distance(code, meant)} 位，按识别误差处理，请留意", 0.8,
            documents=refs(by_code[meant] + sources), expected=meant, found=code))
        del by_code[code]
    for code, sources in by_code.items():
        try:
            uscc.validate(code)
        except Exception as exc:  # noqa: BLE001 - stdnum raises its own ValidationError kinds
            why = {"InvalidLength": f"位数应为18位，实为{len(code)}位", "InvalidFormat": "含有不允许的字符",
                   "InvalidChecksum": "校验码错误"}.get(type(exc).__name__, "格式错误")
            findings.append(finding("USCC_INVALID", Severity.ERROR,
                                    f"{labels(sources)}上的统一社会信用代码 {code} 不符合国家标准（{why}）",
                                    max(s.confidence for s in sources), subject="uscc", documents=refs(sources),
                                    expected="符合GB 32100的18位代码", found=code))
    if len(by_code) > 1:
        ranked = sorted(by_code.items(), key=lambda kv: (-sum(s.confidence * RANK_WEIGHT[s.rank] for s in kv[1])
                                                            * (2 if uscc.is_valid(kv[0]) else 1), kv[0]))
        ref_code, ref_sources = ranked[0]
        for code, sources in ranked[1:]:
            conf = mismatch_confidence(max(s.confidence for s in ref_sources), max(s.confidence for s in sources),
                                       distance(ref_code, code))
            findings.append(finding("ORG_MISMATCH", Severity.WARNING,
                                    f"{labels(sources)}上的统一社会信用代码“{code}”与{labels(ref_sources)}上的“{ref_code}”不一致",
                                    conf, subject="uscc", documents=refs(ref_sources + sources),
                                    expected=ref_code, found=code))
    return findings


MISREAD_BELOW = 0.9  # an invalid code read at least this surely is what the page says
MISREAD_DISTANCE = 2  # characters a doubtful reading may be off a valid code read elsewhere


def _misreadings(by_code: dict[str, list[Source]]) -> dict[str, tuple[str, list[Source]]]:
    """Invalid codes that are doubtful readings of a valid code read elsewhere (the
    licence's 91440606645980746X at 0.29 beside the form's and roster's valid
    9144060665980746XQ): code -> (the valid code, its sources). A code read surely is
    judged as printed, so a tampered licence is still USCC_INVALID."""
    valid = [c for c in by_code if uscc.is_valid(c)]
    out: dict[str, tuple[str, list[Source]]] = {}
    for code, sources in by_code.items():
        if code in valid or max(s.confidence for s in sources) >= MISREAD_BELOW:
            continue
        near = [(distance(code, v), v) for v in valid if distance(code, v) <= MISREAD_DISTANCE]
        if near:
            out[code] = (min(near)[1], sources)
    return out


def _region_and_type(ctx: ApplicantContext, code: str, ref: Source, names: list[Source]) -> list[Finding]:
    rule = ctx.profile.org
    assert rule is not None
    findings = []
    region, kind = code[2:8], code[:2]
    if rule.region_prefix and not region.startswith(rule.region_prefix):
        findings.append(finding("REGION_NOT_ALLOWED", Severity.ERROR,
                                f"统一社会信用代码的登记管理机关行政区划码为 {region}，不在要求的 {rule.region_prefix} 开头地区",
                                ref.confidence, subject="uscc", documents=refs([ref]),
                                expected=f"{rule.region_prefix}开头", found=region))
    word = TYPE_WORDS.get(kind, kind)
    if kind in rule.excluded_type_codes:
        findings.append(finding("ORG_TYPE_NOT_ALLOWED", Severity.ERROR,
                                f"统一社会信用代码前两位 {kind}（{word}），此类机构不在遴选范围内",
                                ref.confidence, subject="uscc", documents=refs([ref]),
                                expected=f"非{'、'.join(rule.excluded_type_codes)}类机构", found=f"{kind}（{word}）"))
    elif kind in rule.warn_type_codes and not any(w in str(s.value) for s in names for w in SCHOOL_WORDS):
        findings.append(finding("ORG_TYPE_NOT_ALLOWED", Severity.WARNING,
                                f"统一社会信用代码前两位 {kind}（{word}），请核实该机构是否为院校",
                                ref.confidence * 0.8, subject="uscc", documents=refs([ref]),
                                expected="院校", found=f"{kind}（{word}）"))
    return findings


