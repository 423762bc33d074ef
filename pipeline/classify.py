"""Classification of a page region into the contract's document types.

Keywords and layout cues over the OCR text: a keyword in a title (a large line, or a line
in the top of the region) weighs more than the same word in the body, because body text
mentions other documents ("身份证号", "毕业证书") while the title names the document
itself. The photo is told by its look: one face, little text, portrait aspect.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.types import BBox, Classification, DocType, OcrLine


@dataclass(frozen=True)
class Cue:
    pattern: str  # regular expression over normalised text without spaces
    weight: float
    title_only: bool = False  # counts only when it appears in a title line


# Explicit allow-list of cues per type. Weights: 4 = names the document, 2-3 = a label
# only this document has, 1 = a supporting word.
CUES: dict[DocType, tuple[Cue, ...]] = {
    DocType.ID_CARD: (
        Cue("公民身份号码", 4),
        Cue("居民身份证", 3, title_only=True),
        Cue("签发机关", 4),
        Cue("有效期限", 2.5),
        Cue("^住址", 1.5),
        Cue("^民族|民族[汉回满壮苗维蒙藏彝土]", 1.5),
        Cue("^出生", 1),
        Cue("中华人民共和国", 0.5),
    ),
    DocType.DIPLOMA: (
        Cue("毕业证书", 4, title_only=True),
        Cue("毕业证书", 1),
        Cue("学历证书", 3),
        Cue("准予毕业", 4),
        Cue("修完", 1.5),
        Cue("学制", 1),
        Cue("校[（(]?院[)）]?长", 1.5),
    ),
    DocType.DEGREE: (
        Cue("学位证书", 4, title_only=True),
        Cue("学位证书", 1.5),
        Cue("授予.{0,12}(学士|硕士|博士)学位", 4),
        Cue("学位评定委员会", 3),
    ),
    DocType.SKILL_CERTIFICATE: (
        Cue("职业技能等级证书|职业资格证书", 4, title_only=True),
        Cue("职业技能等级证书|职业资格证书", 1.5),
        Cue("技能等级", 1.5),
        Cue("职业[（(]?工种[)）]?", 2),
        Cue("全国联网查询|证书查询", 3),
        Cue("评价机构", 1.5),
        Cue("高级技师|高级工|中级工|初级工", 1),
    ),
    DocType.TITLE_CERTIFICATE: (
        Cue("专业技术资格证书|专业技术职务任职资格|职称证书", 4, title_only=True),
        Cue("专业技术资格证书|专业技术职务任职资格|职称证书", 1.5),
        Cue("专业技术资格", 2),
        Cue("资格名称", 2),
        Cue("评审委员会", 1.5),
        Cue("(助理|高级)?(工程师|经济师|会计师|讲师)", 1),
    ),
    DocType.EXAMINER_CARD: (
        Cue("考评员证|督导员证|考评员资格证", 4, title_only=True),
        Cue("考评员证|督导员证|考评员资格证", 1.5),
        Cue("(高级)?考评员", 2),
        Cue("质量督导员", 2),
        Cue("证卡", 1),
    ),
    DocType.WORK_CERTIFICATE: (
        Cue("工作证明", 4, title_only=True),
        Cue("工作证明", 1.5),
        Cue("兹有|兹证明", 2.5),
        Cue("特此证明", 2.5),
        Cue("在我(单位|公司|院|校)", 2),
        Cue("同志", 1),
    ),
    DocType.RECOMMENDATION_FORM: (
        Cue("(推荐|申报|申请|登记|备案申请)表", 4, title_only=True),
        Cue("(推荐|申报|申请|登记)表", 2),
        Cue("单位意见|推荐意见|审核意见", 2.5),
        Cue("工作简介|工作简历|督导工作经历|工作经历", 2),
        Cue("政治面貌", 1.5),
        Cue("文化程度", 1.5),
        Cue("联系电话|联系方式", 1),
    ),
    DocType.BUSINESS_LICENSE: (
        Cue("营业执照", 4),
        Cue("事业单位法人证书|民办非企业单位登记证书", 4),
        Cue("统一社会信用代码", 3),
        Cue("法定代表人", 2),
        Cue("注册资本|经营范围|开办资金|宗旨和业务范围", 2),
        Cue("登记机关", 1.5),
    ),
    DocType.APPLICATION_LETTER: (
        Cue("推荐函|承诺书|申请书", 4, title_only=True),
        Cue("推荐函|承诺书|申请书", 2),
        # A department's recommendation is an official letter (公函): titled 关于推荐…的函,
        # numbered 粤X函〔2024〕N号, closed with 特此函告 (GB/T 9704 layout).
        Cue("关于推荐.{0,60}的函", 4),
        Cue(r"函[〔\[［(（]\d{4}[〕\]］)）]\d+号", 2),
        Cue("郑重承诺|特此推荐|特此申请|特此函告|特此函达", 2.5),
        Cue("^致", 0.5),
    ),
}

# A region with at most this many text characters may be a photo.
PHOTO_MAX_CHARS = 12
MIN_SCORE = 2.5  # below this no type is claimed: `other`


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _title_lines(lines: Sequence[OcrLine], region_height: float) -> set[int]:
    """Indexes of lines that look like titles: tall lines, or lines in the top fifth."""
    if not lines:
        return set()
    heights = sorted(line.bbox[3] - line.bbox[1] for line in lines)
    median = heights[len(heights) // 2]
    top = min(line.bbox[1] for line in lines)
    titles = set()
    for i, line in enumerate(lines):
        h = line.bbox[3] - line.bbox[1]
        near_top = line.bbox[1] - top < 0.2 * max(region_height, 1)
        if h >= 1.35 * median or (near_top and len(_compact(line.text)) <= 20):
            titles.add(i)
    return titles


def text_scores(lines: Sequence[OcrLine], region_height: float) -> tuple[dict[DocType, float], list[str]]:
    """Score every type by its cues; return the scores and the cues that fired."""
    titles = _title_lines(lines, region_height)
    texts = [_compact(line.text) for line in lines]
    whole = "".join(texts)
    scores: dict[DocType, float] = {}
    fired: list[str] = []
    for doc_type, cues in CUES.items():
        score = 0.0
        for cue in cues:
            rx = re.compile(cue.pattern)
            if cue.title_only:
                hit = any(rx.search(texts[i]) for i in titles)
            elif cue.pattern.startswith("^"):
                hit = any(rx.search(t) for t in texts)
            else:
                hit = bool(rx.search(whole))
            if hit:
                score += cue.weight
                fired.append(f"{doc_type.value}:{cue.pattern}")
        scores[doc_type] = score
    return scores, fired


def classify_region(
    lines: Sequence[OcrLine],
    size: tuple[int, int],
    faces: Sequence[BBox] = (),
    pictorial: bool = False,
) -> Classification:
    """Type of one region from its OCR lines, its (width, height) and detected faces.
    `pictorial`: the caller saw a picture where the ID photo would be (a textless
    photograph, or a photo-sized image file): a portrait one that no text claims is
    taken as the photo even without a face, so a cat or a picture of text uploaded as
    the ID photo is flagged PHOTO_FACE rather than lost as `other` (and DOC_MISSING)."""
    width, height = size
    scores, fired = text_scores(lines, height)
    n_chars = sum(len(_compact(line.text)) for line in lines)

    # The look of an ID photo: one face taking a good share of a portrait image, no text.
    aspect = width / max(height, 1)
    if faces and n_chars <= PHOTO_MAX_CHARS:
        face = max(faces, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        face_share = (face[2] - face[0]) / max(width, 1)
        photo = 3.0 + (1.5 if 0.55 <= aspect <= 0.95 else 0.0) + (1.0 if face_share >= 0.25 else 0.0)
        photo -= 0.5 * (len(faces) - 1)
        scores[DocType.PHOTO] = photo
        fired.append(f"photo:faces={len(faces)},aspect={aspect:.2f},text={n_chars}")

    elif pictorial and 0.55 <= aspect <= 0.95 and max(scores.values(), default=0.0) < MIN_SCORE:
        scores[DocType.PHOTO] = MIN_SCORE + 0.5
        fired.append(f"photo:no face,portrait picture,aspect={aspect:.2f},text={n_chars}")

    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0].value))
    best, best_score = ranked[0] if ranked else (DocType.OTHER, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    clean = {k.value: round(v, 2) for k, v in scores.items() if v > 0}
    if best_score < MIN_SCORE:
        # Nothing claims it: `other`, confident only when there was text to judge.
        conf = 0.5 if n_chars >= 20 else 0.35
        return Classification(type=DocType.OTHER, confidence=conf, scores=clean, cues=fired)
    # Confidence grows with the winning score and with its margin over the runner-up.
    strength = 1 - math.exp(-best_score / 3.0)
    margin = (best_score - second) / best_score
    conf = max(0.05, min(0.99, strength * (0.55 + 0.45 * margin)))
    return Classification(type=best, confidence=round(conf, 3), scores=clean, cues=fired)


# ---------------------------------------------------------------- continuation pages

# A page says it carries on a document: 续表, （续）, 第2页, 共3页.
CONTINUATION = re.compile(r"续表|[（(]续[)）]|第[2-9二三四五六七八九]页|共[2-9二三四五六七八九]页")
# The end of a document's name: what a title line ends with.
TITLE_END = re.compile(r"(证书|证明|凭证|回执|通知书?|执照|登记证|[表函书证单据])$")
TITLE_ROWS = 4  # a title is among the first rows of a page
WEAK_SCORE = 2.0  # a label only one document has: enough to say a page is not a form's next page


PROSE_CHARS = 24  # a line longer than this is running text, not a label or a title
SENTENCE_END = re.compile(r"[。，,；;.!！?？、]\s*$")  # a paragraph's last line, however short


def prose_made(lines: Sequence[OcrLine], doc_type: DocType, region_height: float) -> bool:
    """Is `doc_type` claimed only by running text? A form's next page whose work summary
    and 承诺声明 mention 职业技能等级证书 scores as a certificate, yet none of its short
    lines (labels, titles) is a certificate's: without the prose the type falls below
    MIN_SCORE. A short line that ends a sentence (职业技能等级证书。) is prose too."""
    short = [ln for ln in lines if len(_compact(ln.text)) <= PROSE_CHARS and not SENTENCE_END.search(ln.text)]
    if not short:
        return True
    scores, _ = text_scores(short, region_height)
    return scores.get(doc_type, 0.0) < MIN_SCORE


def says_continued(lines: Sequence[OcrLine]) -> bool:
    """Does the page say it continues a document (续表, 第2页...)?"""
    return bool(CONTINUATION.search("".join(_compact(line.text) for line in lines)))


def line_rows(lines: Sequence[OcrLine]) -> list[list[OcrLine]]:
    """OCR lines grouped into rows, top to bottom: a line whose centre lies within the
    previous line's height joins its row (a letter-spaced title comes back as boxes)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.bbox[1] + ln.bbox[3]) / 2):
        cy = (line.bbox[1] + line.bbox[3]) / 2
        if rows and rows[-1][-1].bbox[1] <= cy <= rows[-1][-1].bbox[3]:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def own_title(lines: Sequence[OcrLine]) -> str | None:
    """The page's own title: among its first rows, one taller than the body text that
    reads like a document's name (ends in 证书, 证明, 表, 函...). A form's second page
    carries on a table and has none."""
    if len(lines) < 2:
        return None
    heights = sorted(line.bbox[3] - line.bbox[1] for line in lines)
    median = heights[len(heights) // 2]
    for row in line_rows(lines)[:TITLE_ROWS]:
        text = _compact("".join(ln.text for ln in sorted(row, key=lambda ln: ln.bbox[0])))
        tall = max(ln.bbox[3] - ln.bbox[1] for ln in row) >= 1.35 * median
        if tall and 3 <= len(text) <= 30 and TITLE_END.search(text):
            return text
    return None


def weak_type(cls: Classification, exclude: DocType) -> tuple[DocType, float] | None:
    """The type a page unclaimed by MIN_SCORE still leans to (a score >= WEAK_SCORE),
    other than `exclude` and the photo."""
    best: tuple[DocType, float] | None = None
    for name, score in cls.scores.items():
        t = DocType(name)
        if t in (exclude, DocType.PHOTO, DocType.OTHER) or score < WEAK_SCORE:
            continue
        if best is None or score > best[1]:
            best = (t, score)
    return best


def title_names(title: str) -> DocType | None:
    """The type a page's own title names (one of a type's naming cues, weight >= 3)."""
    for doc_type, cues in CUES.items():
        if any(c.weight >= 3 and re.search(c.pattern, title) for c in cues):
            return doc_type
    return None
