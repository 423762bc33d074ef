"""A tiny page-description layer: documents are drawn as a list of operations, then
rasterised with Pillow (scans, photos) or written with reportlab (PDFs with a text
layer). One description, two backends, so every document can come either way.

Coordinates are pixels at 200 dpi, origin top-left; text anchors are on the baseline.
"""

from __future__ import annotations

import functools
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.samples.fonts import font, truetype_font_path
from pipeline.samples.seals import make_seal_layer, multiply_layer

DPI = 200
A4 = (1654, 2339)
Color = tuple[int, int, int]
BLACK: Color = (20, 20, 20)


@dataclass
class TextOp:
    x: float
    y: float
    text: str
    size: int
    style: str = "sans"
    anchor: str = "ls"  # ls | ms | rs (left, middle, right; baseline)
    color: Color = BLACK
    bold: bool = False


@dataclass
class LineOp:
    x0: float
    y0: float
    x1: float
    y1: float
    width: int = 2
    color: Color = BLACK


@dataclass
class RectOp:
    box: tuple[float, float, float, float]
    outline: Color | None = BLACK
    width: int = 2
    fill: Color | None = None


@dataclass
class ImageOp:
    x: float
    y: float
    image: Image.Image
    w: int | None = None
    h: int | None = None


@dataclass
class SealOp:
    """A seal to stamp; `seed` makes its ink identical in both backends."""

    cx: float
    cy: float
    radius: int
    org_name: str
    seed: int
    color: str = "red"
    inner_text: str | None = None
    ink: str = "stamp"  # pipeline.samples.seals.INK_STYLES


Op = TextOp | LineOp | RectOp | ImageOp | SealOp


@dataclass
class Layout:
    """One page: size, an optional raster background, and drawing operations."""

    width: int
    height: int
    background: Image.Image | None = None
    ops: list[Op] = field(default_factory=list)

    def text(self, x: float, y: float, s: str, size: int = 34, style: str = "sans",
             anchor: str = "ls", color: Color = BLACK, bold: bool = False) -> None:
        self.ops.append(TextOp(x, y, s, size, style, anchor, color, bold))

    def line(self, x0: float, y0: float, x1: float, y1: float, width: int = 2,
             color: Color = BLACK) -> None:
        self.ops.append(LineOp(x0, y0, x1, y1, width, color))

    def rect(self, box: tuple[float, float, float, float], outline: Color | None = BLACK,
             width: int = 2, fill: Color | None = None) -> None:
        self.ops.append(RectOp(box, outline, width, fill))

    def image(self, x: float, y: float, img: Image.Image, w: int | None = None,
              h: int | None = None) -> None:
        self.ops.append(ImageOp(x, y, img, w, h))

    def seal(self, cx: float, cy: float, radius: int, org_name: str, rng: random.Random,
             color: str = "red", inner_text: str | None = None) -> None:
        self.ops.append(SealOp(cx, cy, radius, org_name, rng.randint(0, 2**31 - 1), color, inner_text))

    def para(self, x: float, y: float, width: float, s: str, size: int = 34,
             line_h: float | None = None, indent: int = 2, style: str = "sans",
             color: Color = BLACK) -> float:
        """Wrapped paragraph starting at baseline y; returns the next baseline."""
        line_h = line_h or size * 1.75
        for ln in wrap(s, width, size, style, indent):
            self.text(x, y, ln, size, style, color=color)
            y += line_h
        return y


@functools.lru_cache(maxsize=20000)
def _char_w(ch: str, size: int, style: str) -> float:
    return font(size, style).getlength(ch)


def wrap(s: str, width: float, size: int, style: str = "sans", indent: int = 0) -> list[str]:
    """Greedy character wrap (Chinese text breaks anywhere), first line indented."""
    lines: list[str] = []
    cur = "\u3000" * indent
    cur_w = _char_w("\u3000", size, style) * indent
    for ch in s:
        if ch == "\n":
            lines.append(cur)
            cur, cur_w = "\u3000" * indent, _char_w("\u3000", size, style) * indent
            continue
        cw = _char_w(ch, size, style)
        if cur_w + cw > width and cur.strip():
            if ch in "，。、；：）”！？" and cur_w + cw < width + size:
                cur += ch  # no punctuation at line start, as Chinese typesetting does
                cur_w += cw
                continue
            lines.append(cur)
            cur, cur_w = "", 0.0
        cur += ch
        cur_w += cw
    if cur.strip():
        lines.append(cur)
    return lines


# ---------------------------------------------------------------- Pillow backend


def to_image(layout: Layout) -> Image.Image:
    """Rasterise a page to RGB at 200 dpi."""
    img = (layout.background.convert("RGB").resize((layout.width, layout.height))
           if layout.background is not None else Image.new("RGB", (layout.width, layout.height), "white"))
    d = ImageDraw.Draw(img)
    for op in layout.ops:
        if isinstance(op, TextOp):
            d.text((op.x, op.y), op.text, font=font(op.size, op.style), fill=op.color,
                   anchor=op.anchor, stroke_width=1 if op.bold else 0, stroke_fill=op.color)
        elif isinstance(op, LineOp):
            d.line((op.x0, op.y0, op.x1, op.y1), fill=op.color, width=op.width)
        elif isinstance(op, RectOp):
            d.rectangle(op.box, outline=op.outline, width=op.width, fill=op.fill)
        elif isinstance(op, ImageOp):
            im = op.image.convert("RGB")
            if op.w and op.h:
                im = im.resize((op.w, op.h), Image.Resampling.LANCZOS)
            img.paste(im, (int(op.x), int(op.y)))
        elif isinstance(op, SealOp):
            layer = make_seal_layer(op.radius, op.org_name, random.Random(op.seed), op.color,
                                    op.inner_text, op.ink)
            multiply_layer(img, layer, (int(op.cx - layer.width / 2), int(op.cy - layer.height / 2)))
            d = ImageDraw.Draw(img)
    return img


# ---------------------------------------------------------------- reportlab backend

_FONT_NAME = "CertriageCJK"


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT_NAME, truetype_font_path(), subfontIndex=0))
    return _FONT_NAME


def to_pdf(layouts: list[Layout], path: Path, title: str = "") -> None:
    """Write pages as a PDF whose text is real text (a filled-in electronic form)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    fname = _register_font()
    k = 72.0 / DPI
    first = layouts[0]
    c = canvas.Canvas(str(path), pagesize=(first.width * k, first.height * k), invariant=1,
                      pageCompression=1)
    c.setTitle(title)
    c.setCreator("WPS 文字")
    for lay in layouts:
        H = lay.height
        c.setPageSize((lay.width * k, H * k))
        if lay.background is not None:
            buf = io.BytesIO()
            lay.background.convert("RGB").resize((lay.width // 2, lay.height // 2)).save(
                buf, "JPEG", quality=80)
            c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, lay.width * k, H * k)
        for op in lay.ops:
            if isinstance(op, TextOp):
                c.setFillColorRGB(*(v / 255 for v in op.color))
                c.setFont(fname, op.size * k)
                if op.bold:
                    c.setStrokeColorRGB(*(v / 255 for v in op.color))
                    c.setLineWidth(0.4)
                    t = c.beginText()
                    t.setTextRenderMode(2)
                    t.setFont(fname, op.size * k)
                    w = c.stringWidth(op.text, fname, op.size * k)
                    x = op.x * k - (w / 2 if op.anchor[0] == "m" else w if op.anchor[0] == "r" else 0)
                    t.setTextOrigin(x, (H - op.y) * k)
                    t.textOut(op.text)
                    c.drawText(t)
                elif op.anchor[0] == "m":
                    c.drawCentredString(op.x * k, (H - op.y) * k, op.text)
                elif op.anchor[0] == "r":
                    c.drawRightString(op.x * k, (H - op.y) * k, op.text)
                else:
                    c.drawString(op.x * k, (H - op.y) * k, op.text)
            elif isinstance(op, LineOp):
                c.setStrokeColorRGB(*(v / 255 for v in op.color))
                c.setLineWidth(op.width * k)
                c.line(op.x0 * k, (H - op.y0) * k, op.x1 * k, (H - op.y1) * k)
            elif isinstance(op, RectOp):
                x0, y0, x1, y1 = op.box
                if op.fill is not None:
                    c.setFillColorRGB(*(v / 255 for v in op.fill))
                if op.outline is not None:
                    c.setStrokeColorRGB(*(v / 255 for v in op.outline))
                    c.setLineWidth(op.width * k)
                c.rect(x0 * k, (H - y1) * k, (x1 - x0) * k, (y1 - y0) * k,
                       stroke=int(op.outline is not None), fill=int(op.fill is not None))
            elif isinstance(op, ImageOp):
                im = op.image.convert("RGB")
                w, h = (op.w or im.width), (op.h or im.height)
                buf = io.BytesIO()
                im.save(buf, "JPEG", quality=88)
                c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), op.x * k, (H - op.y - h) * k,
                            w * k, h * k)
            elif isinstance(op, SealOp):
                layer = make_seal_layer(op.radius, op.org_name, random.Random(op.seed), op.color,
                                        op.inner_text, op.ink)
                buf = io.BytesIO()
                layer.save(buf, "PNG")
                x = op.cx - layer.width / 2
                y = op.cy - layer.height / 2
                c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), x * k, (H - y - layer.height) * k,
                            layer.width * k, layer.height * k, mask="auto")
        c.showPage()
    c.save()
