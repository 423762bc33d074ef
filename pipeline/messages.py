"""Chinese words for what the reviewer reads: finding codes, document types, field keys,
decisions.

The report's machine-readable codes stay English (the contract); everything a reviewer
sees in the queue and the HTML page goes through here, so the wording is one table to
fix and the same everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from pipeline.types import Finding

# One short phrase per finding code of vocabulary.md.
FINDING_PHRASES: dict[str, str] = {
    "DOC_MISSING": "缺少材料",
    "DOC_UNREADABLE": "文件无法读取",
    "DOC_UNCLASSIFIED": "无法识别的文件类型",
    "FIELD_MISSING": "未找到必填信息",
    "LOW_CONFIDENCE": "识别置信度低，请核对",
    "ID_NUMBER_INVALID": "身份证号码无效",
    "USCC_INVALID": "统一社会信用代码无效",
    "NAME_MISMATCH": "姓名不一致",
    "ID_NUMBER_MISMATCH": "身份证号码不一致",
    "BIRTH_DATE_MISMATCH": "出生日期不一致",
    "GENDER_MISMATCH": "性别不一致",
    "ORG_MISMATCH": "单位名称不一致",
    "ID_CARD_EXPIRED": "身份证已过期",
    "DATE_IMPLAUSIBLE": "日期不合理",
    "CERT_NUMBER_INVALID": "证书编号格式不符",
    "SEAL_MISSING": "缺少单位公章",
    "SEAL_TEXT_MISMATCH": "公章名称与出具单位不符",
    "SEAL_SUSPICIOUS": "公章疑似电子添加或颜色、形状异常",
    "PHOTO_MISSING": "缺少证件照",
    "PHOTO_BACKGROUND": "照片背景颜色不符合要求",
    "PHOTO_NOT_COLOR": "照片不是彩色照片",
    "PHOTO_SIZE": "照片尺寸不符合要求",
    "PHOTO_FACE": "照片人像不合格",
    "PHOTO_FILE_TOO_LARGE": "照片文件过大",
    "LEVEL_INSUFFICIENT": "职业资格等级不满足要求",
    "AGE_LIMIT": "年龄不符合要求",
    "WORK_YEARS_INSUFFICIENT": "工作年限不足",
    "WORK_SUMMARY_TOO_SHORT": "工作简历字数不足",
    "TOO_MANY_OCCUPATIONS": "申报职业数量超出限制",
    "ROSTER_FIELD_MISSING": "汇总表信息缺失",
    "ROSTER_VALUE_INVALID": "汇总表填写格式不符",
    "ROSTER_NO_FOLDER": "汇总表人员无对应材料目录",
    "FOLDER_NOT_IN_ROSTER": "材料目录不在汇总表中",
    "DUPLICATE_ID_IN_BATCH": "本批次身份证号重复",
    "DUPLICATE_PHOTO_IN_BATCH": "本批次照片重复",
    "DUPLICATE_CERT_IN_BATCH": "本批次证书编号重复",
    "DUPLICATE_FILE_IN_BATCH": "本批次文件重复提交",
    "TAMPER_SUSPECTED": "疑似局部修改（信号，需人工核对）",
    "FILE_TYPE_MISMATCH": "文件扩展名与内容不符",
    "PAGE_BLANK": "空白页",
    "BATCH_EMPTY": "批次中没有申请人文件夹",
    "FILE_NAME_ENCODING": "文件名不是 UTF-8 编码（已按 GBK 解码）",
    "OCR_SLIP": "疑似识别误差（形近字）",
    "REGION_NOT_ALLOWED": "机构注册地不在要求的省份",
    "ORG_TYPE_NOT_ALLOWED": "机构类型不符合要求",
    "CHECK_FAILED": "某项检查未能完成，请人工核对",
}

# Codes about a whole file: when they carry no subject, the file name is the subject.
_FILE_CODES = frozenset(
    {"DOC_UNREADABLE", "DOC_UNCLASSIFIED", "DUPLICATE_FILE_IN_BATCH", "TAMPER_SUSPECTED",
     "FILE_TYPE_MISMATCH", "PAGE_BLANK", "FILE_NAME_ENCODING"}
)

DOC_TYPE_NAMES: dict[str, str] = {
    "id_card": "身份证",
    "diploma": "毕业证书",
    "degree": "学位证书",
    "skill_certificate": "职业技能等级证书/职业资格证书",
    "title_certificate": "专业技术资格证书",
    "examiner_card": "考评员证/督导员证",
    "work_certificate": "工作证明",
    "recommendation_form": "推荐表/申报表",
    "business_license": "营业执照/法人证书",
    "application_letter": "推荐函/承诺书",
    "photo": "证件照",
    "other": "其他材料",
}

FIELD_NAMES: dict[str, str] = {
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "id_number": "身份证号",
    "address": "住址",
    "issuing_authority": "签发机关",
    "valid_from": "有效期起",
    "valid_to": "有效期至",
    "school": "学校",
    "major": "专业",
    "education_level": "文化程度",
    "study_start": "入学时间",
    "study_end": "毕业时间",
    "issue_date": "发证日期",
    "certificate_number": "证书编号",
    "occupation": "职业",
    "job_type": "工种",
    "skill_level": "等级",
    "issuer": "发证机构",
    "specialty": "专业",
    "title_name": "职称",
    "title_level": "职称级别",
    "card_number": "证卡编号",
    "role": "类别",
    "employer": "工作单位",
    "department": "部门",
    "position": "职务",
    "work_years": "工作年限",
    "start_date": "参加工作时间",
    "occupations": "申报职业",
    "work_summary": "工作简历",
    "political_status": "政治面貌",
    "phone": "联系电话",
    "email": "电子邮箱",
    "fill_date": "填表日期",
    "org_name": "机构名称",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "org_type": "机构类型",
    "established_date": "成立日期",
    "photo": "照片",
    "age": "年龄",
}

DECISION_WORDS: dict[str, str] = {"pass": "通过", "review": "需人工复核", "reject": "不符合"}
SEVERITY_WORDS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SHAPE_WORDS: dict[str, str] = {
    "round": "圆形",
    "oval": "椭圆形",
    "square": "方形",
    "other": "其他形状",
}
COLOR_WORDS: dict[str, str] = {
    "red": "红色",
    "blue": "蓝色",
    "black": "黑色",
    "white": "白色",
    "other": "其他颜色",
}
SKILL_LEVEL_NAMES: dict[int, str] = {
    1: "一级/高级技师",
    2: "二级/技师",
    3: "三级/高级工",
    4: "四级/中级工",
    5: "五级/初级工",
}

_MAX_VALUE_CHARS = 60


def _word(table: dict[str, str], key: Any) -> str:
    k = key.value if isinstance(key, Enum) else str(key)
    return table.get(k, k)


def doc_type_name(doc_type: Any) -> str:
    """Chinese name of a document type; the code itself when unknown."""
    return _word(DOC_TYPE_NAMES, doc_type)


def field_name(key: Any) -> str:
    """Chinese name of a field key; the key itself when unknown (roster columns are
    already Chinese)."""
    return _word(FIELD_NAMES, key)


def decision_word(decision: Any) -> str:
    """通过 / 需人工复核 / 不符合."""
    return _word(DECISION_WORDS, decision)


def severity_word(severity: Any) -> str:
    """错误 / 警告 / 提示."""
    return _word(SEVERITY_WORDS, severity)


def shape_word(shape: Any) -> str:
    """圆形 / 椭圆形 / 方形 for a seal shape."""
    return _word(SHAPE_WORDS, shape)


def color_word(color: Any) -> str:
    """红色 / 蓝色 / 白色 ... for a seal colour or a photo background."""
    return _word(COLOR_WORDS, color)


def finding_phrase(code: str) -> str | None:
    """The short phrase of a finding code, or None for a code this table does not know."""
    return FINDING_PHRASES.get(code)


def subject_name(subject: str) -> str:
    """A finding's subject in words: a document type, a field key or a roster column."""
    if subject in DOC_TYPE_NAMES:
        return DOC_TYPE_NAMES[subject]
    return FIELD_NAMES.get(subject, subject)


def format_value(value: Any, key: str | None = None) -> str:
    """A field or expected/found value as a reviewer reads it (lists joined with 、,
    skill levels as 三级/高级工, booleans as 是/否)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "skill_level" and isinstance(value, int) and value in SKILL_LEVEL_NAMES:
        return SKILL_LEVEL_NAMES[value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "、".join(format_value(v, key) for v in items)
    if isinstance(value, dict):
        return _format_dict(value, key)
    if isinstance(value, str) and value in DOC_TYPE_NAMES:  # DOC_MISSING's expected/found
        return DOC_TYPE_NAMES[value]
    return str(value)


def _format_dict(value: dict[Any, Any], key: str | None) -> str:
    """{"min": 18, "max": 60} -> "18–60"; other dicts as "键：值，…"."""
    lo, hi = value.get("min"), value.get("max")
    if set(value) <= {"min", "max"} and (lo is not None or hi is not None):
        lo_s, hi_s = format_value(lo, key), format_value(hi, key)
        if lo is not None and hi is not None:
            return f"{lo_s}–{hi_s}"
        return f"≥{lo_s}" if lo is not None else f"≤{hi_s}"
    return "，".join(f"{field_name(k)}：{format_value(v, str(k))}" for k, v in value.items())


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def ref_label(ref: str) -> str:
    """A reference in words, e.g. "007_张三/scan.pdf#2" -> "scan.pdf 第2页": the file name
    without the applicant folder, which the reviewer already sees."""
    file, _, page = ref.partition("#")
    name = file.rsplit("/", 1)[-1]
    return f"{name} 第{page}页" if page else name


def describe(finding: Finding) -> str:
    """One reason in words, in Chinese, naming the file or field and the value, e.g.
    "缺少材料：身份证", "姓名不一致：姓名（应为：张三；实为：张山）" or
    "照片背景颜色不符合要求：证件照.jpg（背景应为白色，实为蓝色）".

    Built from the code's phrase plus a per-code detail (units, colours, sizes in MB),
    so the queue reads alike whatever stage made the finding. The machine fields
    expected/found of report.json stay as they are; internal measures (hash distances,
    ink spread) never reach the words. An unknown code falls back to its own message."""
    phrase = finding_phrase(finding.code)
    if phrase is None:
        return finding.message
    text = phrase
    files = _file_names(finding)
    if finding.code in _OWN_FILE and files:
        files = files[:1]  # the second reference is the other applicant's file
    if finding.code in _FILE_DETAILS and files:
        text += "：" + _names(files)
    elif finding.subject:
        text += "：" + subject_name(finding.subject)
    elif finding.code in _FILE_CODES and files:
        text += "：" + _names(files)
    detailer = _DETAILS.get(finding.code)
    detail = detailer(finding) if detailer is not None else None
    if detail is None:
        detail = _generic_detail(finding)
    return text + (f"（{detail}）" if detail else "")


def _file_names(finding: Finding) -> list[str]:
    return _unique(r.partition("#")[0].rsplit("/", 1)[-1] for r in finding.documents)


def _names(files: list[str]) -> str:
    return "、".join(files[:3]) + ("等" if len(files) > 3 else "")


def _generic_detail(finding: Finding) -> str:
    """应为：…；实为：… from plain values; a dict of internal measures is not words, so
    such a finding's own (Chinese) message stands in for it."""
    key = finding.subject if finding.subject in FIELD_NAMES else None
    if finding.code == "LEVEL_INSUFFICIENT":
        key = "skill_level"
    if isinstance(finding.expected, dict) and set(finding.expected) - {"min", "max"} or \
            isinstance(finding.found, dict):
        return _short(finding.message)
    parts = []
    if finding.expected is not None and format_value(finding.expected, key):
        parts.append("应为：" + _short(format_value(finding.expected, key)))
    if finding.found is not None and format_value(finding.found, key):
        parts.append("实为：" + _short(format_value(finding.found, key)))
    return "；".join(parts)


def megabytes(n: Any) -> str:
    """A byte count as a reviewer reads it: 3145728 -> "3 MB", 4200000 -> "4.0 MB"."""
    mb = float(n) / 1048576
    return f"{mb:.0f} MB" if abs(mb - round(mb)) < 1e-9 else f"{mb:.1f} MB"


def _photo_too_large(f: Finding) -> str | None:
    if not isinstance(f.found, (int, float)) or not isinstance(f.expected, (int, float)):
        return None
    return f"文件 {megabytes(f.found)}，超过 {megabytes(f.expected)}"


def _photo_background(f: Finding) -> str | None:
    if not f.expected or not f.found:
        return None
    return f"背景应为{color_word(f.expected)}，实为{color_word(f.found)}"


def _photo_face(f: Finding) -> str:
    n = f.found.get("faces") if isinstance(f.found, dict) else None
    if n == 0:
        return "应为一张居中的正面人像，未检测到人脸"
    if isinstance(n, int) and n > 1:
        return f"应为一张居中的正面人像，检测到 {n} 张人脸"
    problem = f.message.removeprefix("照片")
    return f"应为一张居中的正面人像，实为{problem}" if problem else "应为一张居中的正面人像"


def _photo_size(f: Finding) -> str | None:
    exp, found = f.expected, f.found
    if not isinstance(exp, dict) or not isinstance(found, (list, tuple)) or len(found) != 2:
        return None
    px = exp.get("px") or []
    want = f"{exp.get('format', '')}（{px[0]}×{px[1]} 像素）" if len(px) == 2 else str(exp.get("format", ""))
    return f"尺寸应为{want}的比例，实为 {found[0]}×{found[1]} 像素"


def _duplicate_photo(f: Finding) -> str:
    other = f.found.get("applicant") if isinstance(f.found, dict) else None
    return f"与申请人 {other} 的照片相同或几乎相同" if other else "与本批次另一申请人的照片相同或几乎相同"


def _duplicate_file(f: Finding) -> str | None:
    return f"与申请人 {f.found} 提交的页面相同" if isinstance(f.found, str) and f.found else None


def _seal_suspicious(f: Finding) -> str:
    if isinstance(f.found, str) and f.found in COLOR_WORDS:
        return f"印章颜色应为红色，实为{color_word(f.found)}，请核对是否为原印"
    return "印章颜色完全均匀，疑似电子粘贴"


def _seal_text(f: Finding) -> str | None:
    if not f.expected:
        return None
    seen = f"，实为“{_short(str(f.found))}”" if f.found else "，未能读出印章文字"
    return f"印章应为“{_short(str(f.expected))}”{seen}"


def _tamper(f: Finding) -> str:
    found = f.found if isinstance(f.found, dict) else {}
    page, text = found.get("page"), found.get("text")
    where = f"第{page}页" if page else ""
    what = f"“{_short(str(text))}”" if text else "一行文字"
    field = f"{subject_name(f.subject)}栏" if f.subject else ""
    return f"{where}{field}{what}处的压缩痕迹与周围不一致，疑似后贴"


def _not_color(f: Finding) -> str:
    return "应为彩色照片，实为黑白/灰度照片"


def _number_invalid(f: Finding) -> str:
    return f"号码 {f.found} 不符合国家标准的编码规则：位数、校验位或出生日期有误" if f.found else \
        "号码不符合国家标准的编码规则"


_KIND_WORDS = {"pdf": "PDF 文档", "jpeg": "JPEG 图片", "png": "PNG 图片", "tiff": "TIFF 图片",
               "bmp": "BMP 图片", "webp": "WebP 图片", "gif": "GIF 图片", "zip": "压缩包",
               "empty": "空文件", "unknown": "未知格式"}


def _type_mismatch(f: Finding) -> str | None:
    if not f.expected:
        return None
    kind = _KIND_WORDS.get(str(f.expected), str(f.expected))
    ext = f"扩展名为 .{str(f.found).lstrip('.')}，" if f.found else "没有扩展名，"
    return f"{ext}内容实为{kind}"


def _doc_missing(f: Finding) -> str | None:
    wanted = [doc_type_name(t) for t in f.expected] if isinstance(f.expected, list) else []
    text = f"需交其一：{'或'.join(wanted)}" if len(wanted) > 1 else ""
    if isinstance(f.found, list) and f.found:
        text += ("；" if text else "") + "已交：" + "、".join(doc_type_name(t) for t in f.found)
    return text


def _same_as(f: Finding) -> str | None:
    others = f.found if isinstance(f.found, list) else [f.found] if f.found else []
    return f"与本批次申请人 {'、'.join(map(str, others))} 的相同" if others else None


def _roster_missing(f: Finding) -> str | None:
    found = str(f.found or "")
    if found.startswith("第"):
        return found.split("：", 1)[0] + "未填写"
    return "汇总表没有这一列" if f.expected else None


def _message(f: Finding) -> str:
    """The stage's own Chinese message, without nesting brackets in the reason's own."""
    return _short(f.message.replace("（", "，").replace("）", ""))


# Codes whose reason is about one file: the head names the file, not the subject.
_FILE_DETAILS = frozenset({"PHOTO_FILE_TOO_LARGE", "PHOTO_BACKGROUND", "PHOTO_NOT_COLOR", "PHOTO_SIZE",
                           "PHOTO_FACE", "DUPLICATE_PHOTO_IN_BATCH", "DUPLICATE_FILE_IN_BATCH", "SEAL_MISSING",
                           "SEAL_SUSPICIOUS", "SEAL_TEXT_MISMATCH", "TAMPER_SUSPECTED"})
# Pair findings: the first reference is this applicant's file, the second the other's.
_OWN_FILE = frozenset({"DUPLICATE_PHOTO_IN_BATCH", "DUPLICATE_FILE_IN_BATCH"})

_DETAILS: dict[str, Any] = {
    "PHOTO_FILE_TOO_LARGE": _photo_too_large,
    "PHOTO_BACKGROUND": _photo_background,
    "PHOTO_NOT_COLOR": _not_color,
    "PHOTO_FACE": _photo_face,
    "PHOTO_SIZE": _photo_size,
    "DUPLICATE_PHOTO_IN_BATCH": _duplicate_photo,
    "DUPLICATE_FILE_IN_BATCH": _duplicate_file,
    "SEAL_SUSPICIOUS": _seal_suspicious,
    "SEAL_TEXT_MISMATCH": _seal_text,
    "SEAL_MISSING": lambda f: None if f.expected != "seal" else "应有出具单位的公章，未见印章",
    "TAMPER_SUSPECTED": _tamper,
    "ID_NUMBER_INVALID": _number_invalid,
    "USCC_INVALID": _number_invalid,
    "FILE_TYPE_MISMATCH": _type_mismatch,
    "DOC_UNREADABLE": _message,
    "DOC_UNCLASSIFIED": lambda f: "未能判断是哪类材料" + (f"，开头为“{_short(str(f.found))}”" if f.found else ""),
    "PHOTO_MISSING": lambda f: "材料中未找到证件照",
    "DOC_MISSING": _doc_missing,
    "DUPLICATE_ID_IN_BATCH": _same_as,
    "DUPLICATE_CERT_IN_BATCH": _same_as,
    "ROSTER_FIELD_MISSING": _roster_missing,
}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# An 18-character ID number inside free text (a log line, a finding's words, a path).
ID_IN_TEXT = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


def mask_ids_in(text: str) -> str:
    """Every ID number in `text` masked as `mask_id` does: for logs, flow-run names and the
    web UI's reasons, which quote expected and found numbers."""
    return ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)


def split_ids(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_id_number) runs, so a view can mask each number alone."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in ID_IN_TEXT.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text) or not out:
        out.append((text[pos:], False))
    return out


def mask_id(s: str) -> str:
    """Masks an ID number for logs: "44010619900101123X" -> "4401**********123X".

    Reports show ID numbers in full (the reviewer needs them); logs must not."""
    if not s:
        return s
    n = len(s)
    if n >= 10:
        return s[:4] + "*" * (n - 8) + s[-4:]
    if n > 2:
        return s[0] + "*" * (n - 2) + s[-1]
    return "*" * n
