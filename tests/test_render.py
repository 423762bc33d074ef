"""Page rendering: PDF text layers in pixels, scans, EXIF, colour modes, limits, cache."""

from __future__ import annotations

import hashlib
import io
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

import pipeline.render as render_mod
from pipeline.render import RenderLimits, group_lines, header_size, render_file
from pipeline.samples.fonts import truetype_font_path
from pipeline.samples.hostile import huge_png, text_png
from pipeline.sniff import sniff
from pipeline.types import BatchFile

FONT = "CJKTest"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, truetype_font_path(), subfontIndex=0))
    return FONT


def _bf(path: Path, rel: str | None = None) -> BatchFile:
    data = path.read_bytes()
    return BatchFile(
        rel_path=rel or f"1_a/{path.name}",
        path=str(path),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        kind=sniff(path),
        declared_ext=path.suffix.lower(),
    )


def _save(img: Image.Image, path: Path, **kw) -> Path:
    img.save(path, **kw)
    return path


# (text, x, y from the bottom, font size) in PDF points
DRAWN = [
    ("职业技能等级证书", 72, 700, 24),
    ("姓名：张三", 72, 600, 16),
    ("证书编号：S000012345", 320, 600, 16),  # same row, far right: a separate line
    ("Level 3 electrician", 72, 500, 12),
]


def _text_pdf(path: Path, pages: int = 1) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        for text, x, y, size in DRAWN:
            c.setFont(_font(), size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("dpi", [200, 100])
def test_pdf_text_layer_in_pixels(tmp_path: Path, dpi: int) -> None:
    pages, findings = render_file(_bf(_text_pdf(tmp_path / "form.pdf")), tmp_path / "w", dpi=dpi)
    assert findings == []
    (page,) = pages
    k = dpi / 72
    assert (page.source, page.number, page.dpi) == ("pdf_text", 1, dpi)
    assert abs(page.width - A4[0] * k) <= 1 and abs(page.height - A4[1] * k) <= 1
    assert page.image_path == str(
        tmp_path / "w" / "pages" / _bf(tmp_path / "form.pdf").sha256[:16] / "p1.png"
    )
    with Image.open(page.image_path) as im:
        assert im.size == (page.width, page.height) and im.mode == "RGB"
    assert [ln.text for ln in page.text_layer] == [d[0] for d in DRAWN]
    for ln, (_text, x, y, size) in zip(page.text_layer, DRAWN, strict=True):
        x0, top, x1, bottom = ln.bbox
        baseline = (A4[1] - y) * k
        assert ln.confidence == 1.0
        assert abs(x0 - x * k) <= 1.5
        assert top < baseline < bottom
        assert 0.8 * size * k <= bottom - top <= 1.6 * size * k
        assert x1 > x0 + size * k * 3
    # The boxes really cover the ink of the rendered page.
    ink = np.asarray(Image.open(page.image_path).convert("L")) < 128
    for ln in page.text_layer:
        x0, top, x1, bottom = (round(v) for v in ln.bbox)
        assert (
            ink[top:bottom, x0:x1].sum()
            > 0.5 * ink[max(0, top - 3) : bottom + 3, max(0, x0 - 3) : x1 + 3].sum()
        )


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    scan = Image.open(io.BytesIO(text_png(["职业技能等级证书", "姓名：张三"], (800, 1100))))
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(scan), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == []
    assert page.source == "pdf_render" and page.text_layer == []
    ink = np.asarray(Image.open(page.image_path).convert("L")) < 128
    assert ink.sum() > 1000  # the scan was drawn


def test_pdf_page_cap_and_no_leaked_handles(tmp_path: Path) -> None:
    path = _text_pdf(tmp_path / "long.pdf", pages=3)
    fds = len(os.listdir("/proc/self/fd"))
    pages, findings = render_file(
        _bf(path), tmp_path / "w", dpi=50, limits=RenderLimits(max_pages=2)
    )
    assert [p.number for p in pages] == [1, 2]
    assert all(p.source == "pdf_text" for p in pages)
    (f,) = findings
    assert f.code == "DOC_UNREADABLE" and f.documents == ["1_a/long.pdf#3"] and "3 页" in f.message
    assert len(os.listdir("/proc/self/fd")) == fds


def test_pdf_junk_before_header_renders(tmp_path: Path) -> None:
    path = tmp_path / "mail.pdf"
    path.write_bytes(
        b"Content-Type: application/pdf\r\n\r\n" + _text_pdf(tmp_path / "x.pdf").read_bytes()
    )
    bf = _bf(path)
    assert bf.kind == "pdf"
    pages, findings = render_file(bf, tmp_path / "w", dpi=50)
    assert len(pages) == 1 and findings == []


def test_huge_pdf_page_capped_by_pixels(tmp_path: Path) -> None:
    path = tmp_path / "poster.pdf"
    c = canvas.Canvas(str(path), pagesize=(2384, 3370))  # A0
    c.showPage()
    c.save()
    (page,), findings = render_file(_bf(path), tmp_path / "w", dpi=200)
    assert findings == []
    assert max(page.width, page.height) <= 4000 and page.dpi < 200


# ---------------------------------------------------------------- images


def test_exif_orientation_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (200, 100), "white")
    img.paste((255, 0, 0), (0, 0, 20, 20))  # red block top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = _save(img, tmp_path / "phone.jpg", exif=exif, quality=95)
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == []
    assert (page.width, page.height, page.source, page.rotation) == (100, 200, "image", 0)
    out = np.asarray(Image.open(page.image_path))
    assert out[5, 95, 0] > 200 and out[5, 95, 1] < 60  # now top-right
    assert out[5, 5, 1] > 200  # top-left is white


def test_image_over_pixel_limit_refused_without_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(huge_png(30000, 30000))
    mid = tmp_path / "mid.png"
    mid.write_bytes(huge_png(10000, 7000))  # 70 MP: under Pillow's bomb error, over our limit
    for path, size in [(bomb, "30000×30000"), (mid, "10000×7000")]:
        tracemalloc.start()
        t = time.perf_counter()
        pages, findings = render_file(_bf(path), tmp_path / "w")
        elapsed = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert pages == []
        (f,) = findings
        assert f.code == "DOC_UNREADABLE" and f.severity == "warning"
        assert size in f.message and "拒绝解码" in f.message
        assert f.documents == [f"1_a/{path.name}#1"]
        assert peak < 100 * 2**20
        assert elapsed < 5  # a decode would take far longer; generous for slow machines
    # The limit is configurable.
    small = _save(Image.new("RGB", (100, 100)), tmp_path / "s.png")
    pages, findings = render_file(_bf(small), tmp_path / "w", limits=RenderLimits(max_pixels=5000))
    assert pages == [] and "100×100" in findings[0].message


def test_header_size() -> None:
    for fmt in ("PNG", "JPEG", "GIF", "BMP"):
        buf = io.BytesIO()
        Image.new("RGB", (123, 45)).save(buf, format=fmt)
        p = Path(f"/tmp/hs_{os.getpid()}.{fmt.lower()}")
        p.write_bytes(buf.getvalue())
        try:
            assert header_size(p) == (123, 45), fmt
        finally:
            p.unlink()


def test_multipage_tiff(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (300, 400), c) for c in ("red", "green")] + [
        Image.new("L", (500, 200), 128)
    ]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    pages, findings = render_file(_bf(path), tmp_path / "w")
    assert findings == []
    assert [(p.number, p.width, p.height) for p in pages] == [
        (1, 300, 400),
        (2, 300, 400),
        (3, 500, 200),
    ]
    colours = [Image.open(p.image_path).getpixel((10, 10)) for p in pages]
    assert colours == [(255, 0, 0), (0, 128, 0), (128, 128, 128)]
    pages, findings = render_file(_bf(path), tmp_path / "w2", limits=RenderLimits(max_pages=2))
    assert len(pages) == 2 and findings[0].documents == ["1_a/scan.tif#3"]


def test_cmyk_jpeg(tmp_path: Path) -> None:
    path = _save(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), tmp_path / "cmyk.jpg", quality=95)
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == []
    with Image.open(page.image_path) as im:
        assert im.mode == "RGB"
        r, g, b = im.getpixel((32, 24))
    assert r > 200 and g < 60 and b < 60


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda: Image.new("RGBA", (40, 30), (0, 0, 0, 0)), (255, 255, 255)),  # alpha on white
        (lambda: Image.new("LA", (40, 30), (0, 0)), (255, 255, 255)),
        (lambda: Image.new("RGBA", (40, 30), (0, 0, 255, 255)), (0, 0, 255)),
        (lambda: Image.new("I;16", (40, 30), 65535), (255, 255, 255)),  # 16-bit grey
        (lambda: Image.new("1", (40, 30), 1), (255, 255, 255)),
        (lambda: Image.new("P", (40, 30), 3), None),
    ],
)
def test_modes_to_rgb(tmp_path: Path, make, expected) -> None:
    img = make()
    path = _save(img, tmp_path / "x.png")
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == []
    with Image.open(page.image_path) as im:
        assert im.mode == "RGB"
        if expected:
            assert im.getpixel((5, 5)) == expected


def test_palette_transparency_on_white(tmp_path: Path) -> None:
    img = Image.new("P", (40, 30), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 10, 10))
    path = _save(img, tmp_path / "p.png", transparency=0)
    (page,), _ = render_file(_bf(path), tmp_path / "w")
    with Image.open(page.image_path) as im:
        assert im.getpixel((5, 5)) == (255, 0, 0) and im.getpixel((30, 20)) == (255, 255, 255)


def test_downscale_rules(tmp_path: Path) -> None:
    big = _save(Image.new("L", (5000, 3000), 255), tmp_path / "big.jpg", quality=50)
    (page,), _ = render_file(_bf(big), tmp_path / "w")
    assert (page.width, page.height) == (4000, 2400)
    # A long image keeps its width readable: only the short side is capped.
    long = _save(Image.new("L", (1000, 9000), 255), tmp_path / "long.png")
    (page,), _ = render_file(_bf(long), tmp_path / "w")
    assert (page.width, page.height) == (1000, 9000)
    scanned = _save(Image.new("L", (1500, 1000), 255), tmp_path / "scan.png", dpi=(300, 300))
    (page,), _ = render_file(_bf(scanned), tmp_path / "w", limits=RenderLimits(max_side=1000))
    assert (page.width, page.height, page.dpi) == (1000, 667, 200)


def test_truncated_and_garbage_images(tmp_path: Path) -> None:
    good = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(good, format="JPEG")
    trunc = tmp_path / "t.jpg"
    trunc.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    garbage = tmp_path / "g.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    for p in (trunc, garbage):
        pages, findings = render_file(_bf(p), tmp_path / "w")
        assert pages == [] and len(findings) == 1 and findings[0].code == "DOC_UNREADABLE", p


# ---------------------------------------------------------------- cache


def test_cache_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _text_pdf(tmp_path / "form.pdf", pages=2)
    bf = _bf(path)
    first = render_file(bf, tmp_path / "w", dpi=72)
    page_dir = tmp_path / "w" / "pages" / bf.sha256[:16]
    assert sorted(p.name for p in page_dir.iterdir()) == ["manifest.json", "p1.png", "p2.png"]

    def boom(*a, **k):
        raise AssertionError("rendered again")

    monkeypatch.setattr(render_mod, "_save_png", boom)
    assert render_file(bf, tmp_path / "w", dpi=72) == first
    # Same bytes at another path: reused, reported under its own name.
    other = bf.model_copy(update={"rel_path": "2_b/copy.pdf"})
    pages, _ = render_file(other, tmp_path / "w", dpi=72)
    assert [p.file for p in pages] == ["2_b/copy.pdf"] * 2
    assert [p.image_path for p in pages] == [p.image_path for p in first[0]]
    # Other params: rendered again.
    monkeypatch.undo()
    pages, _ = render_file(bf, tmp_path / "w", dpi=100)
    assert abs(pages[0].width - A4[0] * 100 / 72) <= 1
    # A deleted PNG invalidates the cache.
    Path(pages[1].image_path).unlink()
    again, _ = render_file(bf, tmp_path / "w", dpi=100)
    assert Path(again[1].image_path).is_file()


def test_group_lines_splits_columns_and_keeps_words() -> None:
    def ch(t: str, x: float, top: float = 100, w: float = 10, h: float = 12) -> dict:
        return {"text": t, "x0": x, "x1": x + w, "top": top, "bottom": top + h}

    chars = [ch("A", 10), ch("B", 20), ch("C", 34), ch("右", 200), ch("下", 10, top=130)]
    assert [ln[0] for ln in group_lines(chars)] == ["AB C", "右", "下"]


@pytest.mark.parametrize(
    "fmt,ext", [("BMP", ".bmp"), ("WEBP", ".webp"), ("GIF", ".gif"), ("TIFF", ".tif")]
)
def test_other_image_formats(tmp_path: Path, fmt: str, ext: str) -> None:
    img = Image.new("RGB", (64, 32), (200, 30, 30))
    path = _save(img, tmp_path / f"x{ext}", format=fmt)
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == [] and (page.width, page.height) == (64, 32)
    r, g, b = Image.open(page.image_path).getpixel((10, 10))
    assert r > 150 and g < 80 and b < 80


def test_missing_file_is_a_finding(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (10, 10)), tmp_path / "gone.png")
    bf = _bf(path)
    path.unlink()
    pages, findings = render_file(bf, tmp_path / "w")
    assert pages == [] and findings[0].code == "DOC_UNREADABLE"


@pytest.mark.slow
def test_glyph_bomb_pdf_is_read_by_ocr_not_grouped(tmp_path: Path) -> None:
    """A 1 KB PDF drawing 50 000 glyphs on one line (issue 12, item 3): grouping is linear,
    a text layer beyond any real page's size is dropped (the page goes to OCR), and the
    same 50 000 characters group into one line."""
    from pipeline.samples.hostile import glyph_bomb_pdf

    path = tmp_path / "bomb.pdf"
    path.write_bytes(glyph_bomb_pdf(50_000))
    assert path.stat().st_size < 2000
    (page,), findings = render_file(_bf(path), tmp_path / "w")
    assert findings == [] and page.text_layer == [] and page.source == "pdf_render"
    chars = [{"text": "A", "x0": 72 + i * 0.005, "x1": 72.005 + i * 0.005, "top": 441.0, "bottom": 442.0}
             for i in range(50_000)]
    [(text, *_box)] = group_lines(chars)
    assert text == "A" * 50_000


def test_file_over_its_time_budget_is_cut_off_and_not_cached(tmp_path: Path) -> None:
    """Pages past a file's wall-clock budget are not read: DOC_UNREADABLE says why, and
    the result is not cached, so a later run reads the file again."""
    from pipeline.runner import process_file

    path = _text_pdf(tmp_path / "form.pdf", pages=2)
    result = process_file(_bf(path), tmp_path / "w", budget_s=0.0)
    [f] = [x for x in result.findings if x.code == "DOC_UNREADABLE"]
    assert "超过时限" in f.message and f.documents == ["1_a/form.pdf#1"]
    assert result.documents == [] and not list((tmp_path / "w" / "cache").rglob("*.json"))
    full = process_file(_bf(path), tmp_path / "w")
    assert not [x for x in full.findings if x.code == "DOC_UNREADABLE"] and full.documents
