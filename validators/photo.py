"""The applicant's ID photo against the profile's photo rule (contract profiles.md).

PHOTO_FACE (exactly one face, big enough, centred, in the upper part), PHOTO_BACKGROUND
(colour of the border strips around the head), PHOTO_NOT_COLOR, PHOTO_SIZE (pixel size
and aspect ratio against 小一寸/一寸/二寸), PHOTO_FILE_TOO_LARGE, PHOTO_MISSING.

PHOTO_MISSING vs DOC_MISSING: `required_documents` already raises DOC_MISSING (error)
when the profile requires a photo and none exists; to count that absence once,
PHOTO_MISSING is raised only when the profile has a photo rule but does not list the
photo as required (a profile that says how the photo must look, without requiring it
among the documents).

`photo_facts(image)` is a pure function of the photo's pixels; the reading stage
(pipeline.page_facts) runs it once per photo region and stores the result on the page
(`Page.facts.photos`), which this check, the duplicate-photo check and the report's
`PhotoInfo` read: no check decodes the photo or searches its faces again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.face import detect_faces
from pipeline.context import ApplicantContext
from pipeline.page_facts import has_image
from pipeline.types import BatchFile, DocType, Document, Finding, PhotoLook, Severity

# 300-dpi pixel sizes of the formats (profiles.md).
FORMATS: dict[str, tuple[int, int]] = {"小一寸": (260, 378), "一寸": (295, 413), "二寸": (413, 579)}
ASPECT_TOLERANCE = 0.05
MIN_WIDTH_SHARE = 0.8
MIN_FACE_WIDTH = 0.25  # of the photo's width: a head-and-shoulders photo has ~35-50 %
COLOR_CHROMA = 12.0  # 95th percentile of max-min channel: grey-scale (even as JPEG) < 6
BACKGROUND_NAMES = {"white": "白色", "blue": "蓝色", "red": "红色", "other": "其他颜色"}


# ---------------------------------------------------------------- facts


def _border_pixels(image: np.ndarray, faces: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Pixels of the top strip and the upper side strips, minus head and hair around each
    face (where the background shows in every ID photo)."""
    h, w = image.shape[:2]
    keep = np.zeros((h, w), bool)
    keep[: max(2, int(0.08 * h)), :] = True
    side = max(2, int(0.12 * w))
    keep[: int(0.45 * h), :side] = True
    keep[: int(0.45 * h), w - side:] = True
    for x0, y0, x1, y1 in faces:
        fw, fh = x1 - x0, y1 - y0
        keep[max(0, int(y0 - 0.8 * fh)):int(y1 + 0.3 * fh), max(0, int(x0 - 0.45 * fw)):int(x1 + 0.45 * fw)] = False
    px = image[keep]
    return px if len(px) >= 50 else image[: max(2, int(0.08 * h)), :].reshape(-1, 3)


def classify_background(pixels: np.ndarray) -> str:
    """white, blue, red or other, from the median of border pixels (RGB)."""
    r, g, b = (float(v) for v in np.median(pixels.reshape(-1, 3), axis=0))
    if min(r, g, b) >= 200 and max(r, g, b) - min(r, g, b) <= 30:
        return "white"
    if b >= r + 50 and b >= g + 10:
        return "blue"
    if r >= g + 60 and r >= b + 60:
        return "red"
    return "other"


def is_color(image: np.ndarray) -> bool:
    """A colour photo has some chroma (skin, clothes); a grey one has none, even as JPEG."""
    small = image[:: max(1, image.shape[0] // 200), :: max(1, image.shape[1] // 200)].astype(np.int16)
    chroma = small.max(axis=2) - small.min(axis=2)
    return float(np.percentile(chroma, 95)) >= COLOR_CHROMA


def photo_facts(image: np.ndarray, faces: list[tuple[float, float, float, float]] | None = None) -> dict[str, Any]:
    """What the photo checks need: pixel size, background, colour, faces (count and boxes).
    `faces`: the boxes already searched on these very pixels (the classifier's), so the
    search is not run twice; None searches here. Run by the reading stage
    (pipeline.page_facts), never by the checks."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=2)
    image = image[..., :3]
    if faces is None:
        faces = detect_faces(image)
    h, w = image.shape[:2]
    return {"width_px": int(w), "height_px": int(h),
            "background": classify_background(_border_pixels(image, faces)),
            "color": is_color(image), "faces": len(faces), "face_boxes": faces}


# ---------------------------------------------------------------- finding the photo


def photo_document(ctx: ApplicantContext) -> Document | None:
    photos = ctx.of_type(DocType.PHOTO)
    return max(photos, key=lambda d: d.type_confidence) if photos else None


def stored_photo(ctx: ApplicantContext, doc: Document) -> PhotoLook | None:
    """The photo's facts, stored by the reading stage on its page for its first region
    (pipeline.page_facts); None when the page or its image is gone."""
    page = ctx.page(doc.file, doc.pages[0]) if doc.pages else None
    if page is None or page.facts is None or not doc.texts or not has_image(page):
        return None
    return page.facts.photo(doc.texts[0].region.bbox)


def facts_of(look: PhotoLook) -> dict[str, Any]:
    """A stored photo's facts in the shape `photo_facts` gives them."""
    return {"width_px": look.width_px, "height_px": look.height_px, "background": look.background,
            "color": look.color, "faces": look.faces, "face_boxes": [tuple(b) for b in look.face_boxes]}


def _file(ctx: ApplicantContext, rel: str) -> BatchFile | None:
    return next((f for f in ctx.files if f.rel_path == rel), None)


# ---------------------------------------------------------------- checks


def _face_problem(facts: dict[str, Any]) -> tuple[str, float] | None:
    """Why the face does not fit an ID photo, with the confidence of saying so."""
    n = facts["faces"]
    w, h = facts["width_px"], facts["height_px"]
    if n == 0:
        return "未检测到人脸", 0.75
    if n > 1:
        return f"检测到 {n} 张人脸", 0.7
    x0, y0, x1, y1 = facts["face_boxes"][0]
    if (x1 - x0) < MIN_FACE_WIDTH * w:
        return "人脸过小", 0.7
    cx, cy = (x0 + x1) / 2 / w, (y0 + y1) / 2 / h
    if not 0.3 <= cx <= 0.7:
        return "人脸未居中", 0.65
    if cy > 0.6 or y0 < 0:
        return "人脸位置过低或被裁切", 0.65
    return None


def _size_problem(facts: dict[str, Any], fmt: str) -> str | None:
    ew, eh = FORMATS[fmt]
    w, h = facts["width_px"], facts["height_px"]
    aspect, expected = w / max(h, 1), ew / eh
    if abs(aspect - expected) / expected > ASPECT_TOLERANCE:
        return f"宽高比 {aspect:.3f} 与{fmt}（{expected:.3f}）相差超过 5%"
    if w < MIN_WIDTH_SHARE * ew:
        return f"宽度 {w} 像素，不足{fmt} 300dpi 宽度 {ew} 的 80%"
    return None


def check(ctx: ApplicantContext) -> list[Finding]:
    rule = ctx.profile.photo
    doc = photo_document(ctx)
    if doc is None:
        required = any(DocType.PHOTO in alts for alts in ctx.profile.required)
        if rule is not None and not required:
            return [Finding(code="PHOTO_MISSING", severity=Severity.ERROR, confidence=0.85, subject="photo",
                            message="未找到证件照", expected="photo")]
        return []
    if rule is None:
        return []
    findings: list[Finding] = []
    refs = [doc.ref]
    f = _file(ctx, doc.file)
    if rule.max_bytes is not None and f is not None and f.size > rule.max_bytes:
        findings.append(Finding(code="PHOTO_FILE_TOO_LARGE", severity=Severity.WARNING, confidence=1.0,
                                subject="photo", message=f"照片文件 {f.size / 1048576:.1f} MB，超过 {rule.max_bytes / 1048576:.1f} MB",
                                documents=refs, expected=rule.max_bytes, found=f.size))
    look = stored_photo(ctx, doc)
    if look is None:
        return findings
    facts = facts_of(look)
    face = _face_problem(facts)
    if face is not None:
        findings.append(Finding(code="PHOTO_FACE", severity=Severity.ERROR, confidence=face[1], subject="photo",
                                message=f"照片{face[0]}", documents=refs, expected="one centred face",
                                found={"faces": facts["faces"]}))
    if rule.background != "any" and facts["background"] != rule.background:
        findings.append(Finding(code="PHOTO_BACKGROUND", severity=Severity.ERROR, confidence=0.85, subject="photo",
                                message=f"照片背景为{BACKGROUND_NAMES[facts['background']]}，要求{BACKGROUND_NAMES[rule.background]}",
                                documents=refs, expected=rule.background, found=facts["background"]))
    if rule.color and not facts["color"]:
        findings.append(Finding(code="PHOTO_NOT_COLOR", severity=Severity.ERROR, confidence=0.9, subject="photo",
                                message="照片为黑白/灰度照片，要求彩色照片", documents=refs, expected=True, found=False))
    if rule.format is not None:
        problem = _size_problem(facts, rule.format)
        if problem is not None:
            findings.append(Finding(code="PHOTO_SIZE", severity=Severity.WARNING, confidence=0.9, subject="photo",
                                    message=f"照片尺寸不符：{problem}", documents=refs,
                                    expected={"format": rule.format, "px": list(FORMATS[rule.format])},
                                    found=[facts["width_px"], facts["height_px"]]))
    return findings
