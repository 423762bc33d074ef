"""Page rendering: every file of a batch becomes page PNGs (plus a PDF's text layer).

Images go through Pillow (size checked from the header before any decoding, EXIF
orientation applied, converted to RGB, huge ones downscaled); PDFs are rendered by
pdfium, and pdfplumber reads their text layer, converted to page pixels. Problems with a
file's content never raise: they become ``DOC_UNREADABLE`` findings, so one bad upload
never stops a batch. Pages are cached by content hash under ``<work_dir>/pages/``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import re
import struct
import unicodedata
import warnings
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from pipeline.fileio import atomic_path, atomic_write
from pipeline.types import BatchFile, FileKind, Finding, FindingCode, OcrLine, Page, Severity

log = logging.getLogger(__name__)

RENDER_VERSION = 2  # bump when the output of a given file and params changes
IMAGE_KINDS = (
    FileKind.JPEG,
    FileKind.PNG,
    FileKind.TIFF,
    FileKind.BMP,
    FileKind.WEBP,
    FileKind.GIF,
)
_OFFICE_EXTS = (".docx", ".doc", ".xlsx", ".xls", ".pptx", ".ppt", ".odt", ".wps")

# We refuse big images ourselves (RenderLimits.max_pixels, checked before decoding), so
# Pillow's warning between its two bomb thresholds is noise. Above 2 × MAX_IMAGE_PIXELS
# Pillow raises DecompressionBombError at open(), which we turn into the same finding.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

# Pillow errors on corrupt or truncated input: OSError (incl. UnidentifiedImageError),
# SyntaxError (broken PNG chunks), ValueError, EOFError, struct.error, zlib.error.
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@dataclass(frozen=True)
class RenderLimits:
    """Caps that keep hostile or absurd files from exhausting memory or time."""

    max_pixels: int = 60_000_000  # refuse images (and cap PDF pages) above this many pixels
    max_side: int = 4000  # downscale so the longer side is at most this...
    long_image_ratio: float = 2.5  # ...except long images (ratio ≥ this): cap the short side
    max_pages: int = 200  # pages rendered per PDF (frames per TIFF)
    min_text_chars: int = 10  # real characters for a PDF page to count as having a text layer
    # More characters than any real form page holds (a dense A4 page has about 3 000): a
    # text layer beyond this is a glyph bomb or garbage, and the page is read by OCR.
    max_text_chars: int = 20_000


def _finding(rel: str, message: str, page: int = 1, **found: Any) -> Finding:
    return Finding(
        code=FindingCode.DOC_UNREADABLE,
        severity=Severity.WARNING,
        message=message,
        documents=[f"{rel}#{page}"],
        found=found or None,
    )


def _scale_for(w: float, h: float, limits: RenderLimits) -> float:
    """Downscale factor (≤ 1) for an image of w×h pixels.

    The longer side is capped at ``max_side``; a long image (stacked documents, phone
    "long screenshot") would become unreadable that way, so its shorter side is capped
    instead. Either way the result stays within ``max_pixels``.
    """
    if w <= 0 or h <= 0:
        return 1.0
    long_side, short_side = max(w, h), min(w, h)
    if long_side / short_side >= limits.long_image_ratio:
        s = limits.max_side / short_side
    else:
        s = limits.max_side / long_side
    s = min(s, math.sqrt(limits.max_pixels / (w * h)))
    return min(1.0, s)


def _save_png(img: Image.Image, out: Path) -> None:
    """Write atomically: a reader (or a crashed run) never sees half a PNG."""
    with atomic_path(out) as tmp:
        img.save(tmp, format="PNG", compress_level=1)


# ---------------------------------------------------------------- cache


def _params(dpi: int, limits: RenderLimits) -> dict[str, Any]:
    return {"version": RENDER_VERSION, "dpi": dpi, **asdict(limits)}


def _load_cache(
    page_dir: Path, params: dict[str, Any], rel: str
) -> tuple[list[Page], list[Finding]] | None:
    """Pages and findings of an earlier run on the same content and params, if complete.
    The manifest stores no file name: the same bytes may sit at several paths."""
    try:
        meta = json.loads((page_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("params") != params:
        return None
    try:
        # Image names are stored relative to the page folder: the work dir may be reached
        # by another path on the next run (another working directory, mount or machine).
        pages = [Page(file=rel, **{**p, "image_path": str(page_dir / p["image_path"])}) for p in meta["pages"]]
        findings = [
            _finding(rel, f["message"], f["page"], **(f["found"] or {})) for f in meta["findings"]
        ]
    except (KeyError, TypeError, ValueError):
        return None
    if not all(Path(p.image_path).is_file() for p in pages):
        return None
    return pages, findings


def _save_cache(
    page_dir: Path, params: dict[str, Any], pages: list[Page], findings: list[Finding]
) -> None:
    meta = {
        "params": params,
        "pages": [{**p.model_dump(mode="json", exclude={"file"}), "image_path": Path(p.image_path).name}
                  for p in pages],
        "findings": [
            {"message": f.message, "page": int(f.documents[0].rsplit("#", 1)[1]), "found": f.found}
            for f in findings
        ],
    }
    atomic_write(page_dir / "manifest.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"), fsync=False)


# ---------------------------------------------------------------- entry point


def render_file(
    f: BatchFile, work_dir: Path, dpi: int = 200, limits: RenderLimits = RenderLimits()
) -> tuple[list[Page], list[Finding]]:
    """Render one file into upright-by-EXIF RGB page PNGs under
    ``<work_dir>/pages/<sha256[:16]>/p<N>.png``.

    Returns the pages that could be rendered and a ``DOC_UNREADABLE`` finding for each
    problem (empty, corrupt, encrypted, unsupported, too large, past the page cap). Raises
    only on bugs. A second call for the same content and params reuses the PNGs.
    """
    rel = f.rel_path
    if f.kind == FileKind.EMPTY or f.size == 0:
        return [], [_finding(rel, "文件为空（0 字节）", size=0)]
    if f.kind == FileKind.ZIP:
        if f.declared_ext in _OFFICE_EXTS:
            msg = f"Office 文档（{f.declared_ext}）不支持，请转换为 PDF 或图片后上传"
        else:
            msg = "申请人文件夹内的压缩包不会解压，请解压后上传其中的文件"
        return [], [_finding(rel, msg, kind=f.kind.value, declared_ext=f.declared_ext)]
    if f.kind != FileKind.PDF and f.kind not in IMAGE_KINDS:
        ext = f.declared_ext or "无扩展名"
        return [], [
            _finding(
                rel,
                f"不支持的文件类型（{ext}），内容既不是 PDF 也不是图片",
                kind=f.kind.value,
                declared_ext=f.declared_ext,
            )
        ]

    if not os.access(f.path, os.R_OK) or not Path(f.path).is_file():
        return [], [_finding(rel, "文件无法读取（不存在或没有权限）", kind=f.kind.value)]

    page_dir = Path(work_dir) / "pages" / f.sha256[:16]
    params = _params(dpi, limits)
    cached = _load_cache(page_dir, params, rel)
    if cached is not None:
        return cached
    if f.kind == FileKind.PDF:
        pages, findings = _render_pdf(f, page_dir, dpi, limits)
    else:
        pages, findings = _render_image(f, page_dir, limits)
    if pages or findings:
        with contextlib.suppress(OSError):
            _save_cache(page_dir, params, pages, findings)
    return pages, findings


# ---------------------------------------------------------------- images


def header_size(path: str | Path) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF, BMP or JPEG header without Pillow, for the
    message when Pillow refuses to even open a decompression bomb."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
            if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
                return struct.unpack(">II", head[16:24])
            if head[:6] in (b"GIF87a", b"GIF89a"):
                return struct.unpack("<HH", head[6:10])
            if head[:2] == b"BM" and len(head) >= 26:
                w, h = struct.unpack("<ii", head[18:26])
                return abs(w), abs(h)
            if head[:2] == b"\xff\xd8":
                return _jpeg_size(fh)
    except (OSError, struct.error):
        return None
    return None


def _jpeg_size(fh: Any) -> tuple[int, int] | None:
    fh.seek(2)
    for _ in range(10_000):
        b = fh.read(1)
        while b and b != b"\xff":
            b = fh.read(1)
        while b == b"\xff":
            b = fh.read(1)
        if not b:
            return None
        marker = b[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        (length,) = struct.unpack(">H", fh.read(2))
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">xHH", fh.read(5))
            return w, h
        fh.seek(length - 2, 1)
    return None


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB for every mode applicants' files come in: alpha/transparency on white, CMYK
    (through its ICC profile when there is one), 16/32-bit and float greyscale scaled."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img).astype(np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if top > 255:
            arr = arr * (255.0 / (65535.0 if top <= 65535 else top))
        arr = np.clip(arr, 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "CMYK" and img.info.get("icc_profile"):
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(img.info["icc_profile"]))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(img, src, dst, outputMode="RGB")
        except (ImportError, OSError, ValueError, ImageCms.PyCMSError):
            pass
    return img.convert("RGB")


def _image_frame(im: Image.Image, f: BatchFile, limits: RenderLimits) -> tuple[Image.Image, float]:
    """Decode the current frame: EXIF-rotated, RGB, downscaled. Returns it and the scale."""
    w, h = im.size
    scale = _scale_for(w, h, limits)
    if scale < 1 and f.kind == FileKind.JPEG:
        # JPEG can decode at 1/2, 1/4, 1/8 size directly: far less memory and time.
        im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
    img = ImageOps.exif_transpose(im)
    if img is None:  # pragma: no cover - only with in_place=True
        img = im
    img.load()
    img = _to_rgb(img)
    target = max(1, round(max(w, h) * scale))
    if max(img.size) > target:
        r = target / max(img.size)
        img = img.resize(
            (max(1, round(img.width * r)), max(1, round(img.height * r))), Image.Resampling.LANCZOS
        )
    return img, scale


def _render_image(
    f: BatchFile, page_dir: Path, limits: RenderLimits
) -> tuple[list[Page], list[Finding]]:
    rel = f.rel_path
    pages: list[Page] = []
    findings: list[Finding] = []
    try:
        im = Image.open(f.path)
    except Image.DecompressionBombError as exc:
        return [], [_bomb_finding(f, exc)]
    except _IMAGE_ERRORS as exc:
        return [], [_finding(rel, "图片文件损坏或格式无法识别", error=str(exc)[:200])]
    with im:
        try:
            n_frames = getattr(im, "n_frames", 1) if f.kind == FileKind.TIFF else 1
        except _IMAGE_ERRORS as exc:
            return [], [_finding(rel, "图片文件损坏或被截断", error=str(exc)[:200])]
        if n_frames > limits.max_pages:
            findings.append(
                _finding(
                    rel,
                    f"多页 TIFF 共 {n_frames} 页，超过上限 {limits.max_pages} 页，"
                    f"第 {limits.max_pages + 1} 页起未处理",
                    page=limits.max_pages + 1,
                    pages=n_frames,
                    limit=limits.max_pages,
                )
            )
        for i in range(min(n_frames, limits.max_pages)):
            number = i + 1
            try:
                if i:
                    im.seek(i)
                w, h = im.size
                if w * h > limits.max_pixels:
                    findings.append(
                        _finding(
                            rel,
                            f"图片尺寸 {w}×{h} 超过上限 {limits.max_pixels} 像素，拒绝解码",
                            page=number,
                            width=w,
                            height=h,
                            limit=limits.max_pixels,
                        )
                    )
                    continue
                img, scale = _image_frame(im, f, limits)
            except MemoryError:
                findings.append(_finding(rel, "图片过大，内存不足，无法解码", page=number))
                continue
            except _IMAGE_ERRORS as exc:
                findings.append(
                    _finding(rel, "图片文件损坏或被截断", page=number, error=str(exc)[:200])
                )
                continue
            out = page_dir / f"p{number}.png"
            _save_png(img, out)
            dpi = _image_dpi(im, scale)
            pages.append(
                Page(
                    file=rel,
                    number=number,
                    image_path=str(out),
                    width=img.width,
                    height=img.height,
                    dpi=dpi,
                    source="image",
                )
            )
            if scale < 1:
                log.debug("%s p%d downscaled by %.4f", rel, number, scale)
    return pages, findings


def _image_dpi(im: Image.Image, scale: float) -> int | None:
    """The page's resolution after downscaling, if the file declares one (scanners do)."""
    dpi = im.info.get("dpi")
    try:
        x = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return round(x * scale) if x > 1 else None


def _bomb_finding(f: BatchFile, exc: Exception) -> Finding:
    size = header_size(f.path)
    if size:
        w, h = size
        msg = f"图片尺寸 {w}×{h} 超过上限，拒绝解码"
        return _finding(f.rel_path, msg, width=w, height=h)
    m = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = int(m.group(1)) if m else None
    return _finding(f.rel_path, f"图片像素数 {pixels or '过多'} 超过上限，拒绝解码", pixels=pixels)


# ---------------------------------------------------------------- PDFs


def _is_password_error(exc: pdfium.PdfiumError) -> bool:
    return getattr(exc, "err_code", None) == 4 or "password" in str(exc).lower()


def _render_pdf(
    f: BatchFile, page_dir: Path, dpi: int, limits: RenderLimits
) -> tuple[list[Page], list[Finding]]:
    rel = f.rel_path
    try:
        doc = pdfium.PdfDocument(f.path)
    except pdfium.PdfiumError as exc:
        if _is_password_error(exc):
            return [], [_finding(rel, "PDF 已加密，无法打开", error=str(exc)[:200])]
        return [], [_finding(rel, "PDF 文件损坏或被截断，无法打开", error=str(exc)[:200])]
    pages: list[Page] = []
    findings: list[Finding] = []
    try:
        n = len(doc)
        if n == 0:
            return [], [_finding(rel, "PDF 没有任何页面")]
        if n > limits.max_pages:
            findings.append(
                _finding(
                    rel,
                    f"PDF 共 {n} 页，超过上限 {limits.max_pages} 页，第 {limits.max_pages + 1} 页起未处理",
                    page=limits.max_pages + 1,
                    pages=n,
                    limit=limits.max_pages,
                )
            )
        count = min(n, limits.max_pages)
        rendered: list[tuple[int, float, int, int]] = []  # number, scale (px per pt), w, h
        for i in range(count):
            number = i + 1
            try:
                page = doc[i]
                try:
                    w_pt, h_pt = page.get_size()
                    s = dpi / 72.0
                    s *= _scale_for(w_pt * s, h_pt * s, limits)
                    bitmap = page.render(scale=s, rotation=0, draw_annots=True, may_draw_forms=True)
                    try:
                        img = bitmap.to_pil()
                        img = _to_rgb(img)
                    finally:
                        bitmap.close()
                finally:
                    page.close()
            except (pdfium.PdfiumError, MemoryError, ValueError) as exc:
                findings.append(
                    _finding(rel, f"PDF 第 {number} 页无法渲染", page=number, error=str(exc)[:200])
                )
                continue
            out = page_dir / f"p{number}.png"
            _save_png(img, out)
            rendered.append((number, s, img.width, img.height))
            pages.append(
                Page(
                    file=rel,
                    number=number,
                    image_path=str(out),
                    width=img.width,
                    height=img.height,
                    dpi=round(s * 72),
                    source="pdf_render",
                )
            )
    finally:
        doc.close()
    if pages:
        layers = _text_layers(f.path, rendered, limits)
        for p in pages:
            lines = layers.get(p.number)
            if lines is not None:
                p.text_layer = lines
                p.source = "pdf_text"
    return pages, findings


# ---------------------------------------------------------------- PDF text layer


_CID = re.compile(r"^\(cid:\d+\)$")


def _real_char(t: str) -> bool:
    """A character that is really text: not space, control, private-use, or an unmapped
    glyph (pdfminer's "(cid:N)" when a font has no ToUnicode map)."""
    if not t or t.isspace() or _CID.match(t) or t == "\ufffd":
        return False
    cat = unicodedata.category(t[0])
    return cat not in ("Cc", "Cf", "Co", "Cs", "Zs")


def _text_layers(
    path: str, rendered: list[tuple[int, float, int, int]], limits: RenderLimits
) -> dict[int, list[OcrLine]]:
    """Lines of every rendered page that has a real text layer, in page pixels.

    pdfminer chokes on some PDFs that pdfium renders fine; then the pages simply have no
    text layer and go to OCR like scans (nothing is lost), hence the broad except.
    """
    import pdfplumber

    out: dict[int, list[OcrLine]] = {}
    try:
        with pdfplumber.open(path) as pdf:
            for number, s, w_px, h_px in rendered:
                page = pdf.pages[number - 1]
                try:
                    lines = _page_lines(page, s, w_px, h_px, limits)
                finally:
                    page.close()
                if lines is not None:
                    out[number] = lines
    except Exception as exc:  # noqa: BLE001 - see docstring
        log.info("text layer of %s not read: %s", path, exc)
    return out


def _display_upright(c: dict[str, Any]) -> bool:
    """Whether a char reads left to right on the page as displayed. pdfplumber's matrix
    already includes the page's /Rotate, so (a, b) is the text direction on screen; its
    own "upright" flag is also true for upside-down text, hence this check."""
    m = c.get("matrix")
    if not m:
        return bool(c.get("upright", True))
    a, b = m[0], m[1]
    return a > 0 and abs(b) <= 0.2 * a


def _page_lines(
    page: Any, s: float, w_px: int, h_px: int, limits: RenderLimits
) -> list[OcrLine] | None:
    """The page's text layer in page pixels, or None if it has none worth using."""
    crop = tuple(page.cropbox)
    media = tuple(page.mediabox)
    if page.rotation and crop != media:
        # pdfplumber does not rotate the crop box with the page: positions would be off.
        return None
    ox, oy = crop[0] - media[0], crop[1] - media[1]
    cw, ch = (crop[2] - crop[0]) * s, (crop[3] - crop[1]) * s
    if abs(cw - w_px) > 2 + 0.01 * w_px or abs(ch - h_px) > 2 + 0.01 * h_px:
        # The geometry does not match what pdfium drew: a misplaced text layer would be
        # worse than none (the page then goes to OCR like a scan).
        log.info("page %s: text layer geometry mismatch, ignored", page.page_number)
        return None
    w_pt, h_pt = crop[2] - crop[0], crop[3] - crop[1]
    chars = []
    for c in page.chars:
        cx = (c["x0"] + c["x1"]) / 2 - ox
        cy = (c["top"] + c["bottom"]) / 2 - oy
        if (
            0 <= cx <= w_pt
            and 0 <= cy <= h_pt
            and _display_upright(c)
            and _real_char(c.get("text", ""))
        ):
            chars.append(c)
    if len(chars) < limits.min_text_chars:
        return None
    if len(chars) > limits.max_text_chars:
        log.info("page %s: %d characters in the text layer, read by OCR instead", page.page_number, len(chars))
        return None
    return [
        OcrLine(
            text=text,
            confidence=1.0,
            bbox=(
                round(max(0.0, (x0 - ox) * s), 1),
                round(max(0.0, (top - oy) * s), 1),
                round(min(w_px, (x1 - ox) * s), 1),
                round(min(h_px, (bottom - oy) * s), 1),
            ),
        )
        for text, x0, top, x1, bottom in group_lines(chars)
    ]


def group_lines(chars: list[dict[str, Any]]) -> list[tuple[str, float, float, float, float]]:
    """Group characters (pdfplumber dicts: text, x0, x1, top, bottom) into lines the way
    OCR reports them: same row = vertical overlap of at least half the smaller height; a
    horizontal gap wider than twice the line height starts a new line (form columns,
    table cells). Returns (text, x0, top, x1, bottom) in PDF points, reading order."""
    # Linear in the characters: each row keeps its running top and bottom (recomputing
    # them per character made a 50 000-glyph line cost minutes).
    rows: list[list[dict[str, Any]]] = []
    spans: list[list[float]] = []  # [top, bottom] of each row
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        h = c["bottom"] - c["top"]
        for k in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            top, bottom = spans[k]
            overlap = min(bottom, c["bottom"]) - max(top, c["top"])
            if overlap >= 0.5 * min(h, bottom - top):
                rows[k].append(c)
                spans[k] = [min(top, c["top"]), max(bottom, c["bottom"])]
                break
        else:
            rows.append([c])
            spans.append([c["top"], c["bottom"]])
    lines: list[tuple[str, float, float, float, float]] = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        height = float(np.median([c["bottom"] - c["top"] for c in row]))
        seg: list[dict[str, Any]] = []
        for c in row:
            if seg and c["x0"] - seg[-1]["x1"] > 2.0 * height:
                lines.append(_segment(seg, height))
                seg = []
            seg.append(c)
        if seg:
            lines.append(_segment(seg, height))
    return lines


def _segment(seg: list[dict[str, Any]], height: float) -> tuple[str, float, float, float, float]:
    text = seg[0]["text"]
    for prev, c in zip(seg, seg[1:], strict=False):
        gap = c["x0"] - prev["x1"]
        # Latin words drawn without space glyphs still need their spaces.
        text += (" " if gap > 0.25 * height else "") + c["text"]
    return (
        text.strip(),
        min(c["x0"] for c in seg),
        min(c["top"] for c in seg),
        max(c["x1"] for c in seg),
        max(c["bottom"] for c in seg),
    )
