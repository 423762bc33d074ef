"""A hostile batch: the broken, lying and dangerous files real uploads contain, with the
outcome each must have. Tests and the demo use it to prove that one bad file becomes one
finding and never stops a batch or loses the good files next to it."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from pipeline.samples.fonts import font, truetype_font_path

BATCH_NAME = "hostile_batch"
UNREADABLE = {"code": "DOC_UNREADABLE"}
OK = {"ok": True}


# ---------------------------------------------------------------- single files


def text_png(lines: list[str], size: tuple[int, int] = (1000, 700)) -> bytes:
    """A white page with Chinese text drawn in the CJK font (a 'good' document)."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * 70), line, fill="black", font=font(40))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def text_jpeg(lines: list[str], size: tuple[int, int] = (1000, 700), quality: int = 90) -> bytes:
    img = Image.open(io.BytesIO(text_png(lines, size))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def text_pdf(lines: list[str], encrypt: str | None = None) -> bytes:
    """An A4 PDF with a real text layer (reportlab, CJK TrueType font embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "CJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CJK", truetype_font_path(), subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    c.setFont("CJK", 16)
    for i, line in enumerate(lines):
        c.drawString(72, A4[1] - 100 - i * 30, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A valid 8-bit greyscale PNG of width×height, all black, built by hand so that a
    30000×30000 bomb takes ~1 MB and a few milliseconds to make.

    All rows are zero bytes, so the zlib stream is one compressed block of rows repeated
    (each ends with a full flush, which resets the compressor: identical input gives
    identical bytes), and the Adler-32 of n zero bytes is simply (n mod 65521) << 16 | 1.
    """

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row_len = width + 1  # filter byte 0 + pixels
    rows_per_block = max(1, (4 << 20) // row_len)
    full, rest = divmod(height, rows_per_block)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: we add header and checksum
    block = b"\x00" * (row_len * rows_per_block)
    seg = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    if full > 1 and comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH) != seg:  # pragma: no cover
        raise RuntimeError("zlib output not repeatable")
    tail = comp.compress(b"\x00" * (row_len * rest)) + comp.flush()
    n = row_len * height
    adler = ((n % 65521) << 16) | 1
    idat = b"\x78\xda" + seg * full + tail + struct.pack(">I", adler)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def fake_docx() -> bytes:
    """Zip bytes shaped like an Office document (what a .docx upload looks like)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>工作证明</w:document>")
    return buf.getvalue()


class RawNameZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is written as given bytes without the UTF-8 flag, the way
    Chinese Windows tools write GBK names (Python's zipfile would always use UTF-8)."""

    def __init__(self, raw_name: bytes, **kw: Any) -> None:
        super().__init__(raw_name.decode("cp437"), **kw)
        self.raw_name = raw_name

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's name
        return self.raw_name, self.flag_bits & ~0x800


def write_gbk_entry(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add ``data`` under ``name`` encoded in GBK, without the UTF-8 flag."""
    info = RawNameZipInfo(name.encode("gbk"), date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


# ---------------------------------------------------------------- the batch


def generate_hostile_batch(out_dir: Path) -> dict[str, Any]:
    """Write ``<out_dir>/hostile_batch/`` (folder), ``hostile_batch.zip`` (the same,
    zipped with its top folder) and ``zipslip.zip`` (path-traversal entries plus good
    ones). Returns the truth::

        {"folder": Path, "zip": Path, "zipslip": Path,
         "files": {rel_path: {"code": "DOC_UNREADABLE"} | {"ok": True}},
         "skipped": [rel paths skipped under the root],
         "zipslip_files": {rel_path: ...}, "zipslip_refused": [entry names],
         "zipslip_outside": [absolute paths that must never be written]}
    """
    out_dir = Path(out_dir)
    root = out_dir / BATCH_NAME
    good_png = text_png(["职业技能等级证书", "姓名：张三", "证书编号：S000012345"])
    good_jpg = text_jpeg(["居民身份证", "姓名 李四", "公民身份号码 110101199003078515"])
    good_pdf = text_pdf(["工作证明", "兹证明李四同志在我单位从事电工工作满五年。"])
    files: dict[str, tuple[bytes, dict[str, Any]]] = {
        "001_张三/证书.png": (good_png, OK),
        "001_张三/空文件.pdf": (b"", UNREADABLE),
        "001_张三/截断.jpg": (good_jpg[: len(good_jpg) // 2], UNREADABLE),
        "001_张三/加密.pdf": (text_pdf(["加密文件"], encrypt="secret"), UNREADABLE),
        "001_张三/其实是PDF.jpg": (good_pdf, OK),
        "001_张三/bomb.png": (huge_png(30000, 30000), UNREADABLE),
        "001_张三/损坏.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF", UNREADABLE),
        "001_张三/说明.txt": ("这是一段说明文字，不是证件。".encode(), UNREADABLE),
        "001_张三/简历.docx": (fake_docx(), UNREADABLE),
        "002_李四/身份证.jpg": (good_jpg, OK),
        "002_李四/材料/工作证明.pdf": (good_pdf, OK),
    }
    extra = {
        "roster.csv": "序号,姓名,身份证号,材料目录\n1,张三,,001_张三\n2,李四,110101199003078515,002_李四\n".encode(
            "utf-8-sig"
        ),
        "备注.txt": "根目录下的文件".encode(),
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "__MACOSX/001_张三/._证书.png": b"\x00\x05\x16\x07",
        "001_张三/Thumbs.db": b"\xd0\xcf\x11\xe0",
    }
    for rel, data in [*((k, v[0]) for k, v in files.items()), *extra.items()]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    zip_path = out_dir / f"{BATCH_NAME}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                z.write(p, f"{BATCH_NAME}/{p.relative_to(root).as_posix()}")

    slip = out_dir / "zipslip.zip"
    outside_abs = (out_dir / "abs_evil.txt").resolve()
    with zipfile.ZipFile(slip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../evil.txt", "zip slip")
        z.writestr("../../evil2.txt", "zip slip")
        z.writestr("001_张三/../../evil3.txt", "zip slip")
        z.writestr(str(outside_abs), "absolute")
        z.writestr("C:/evil4.txt", "drive letter")
        link = zipfile.ZipInfo("001_张三/link.png")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("001_张三/证书.png", good_png)
        z.writestr("002_李四/身份证.jpg", good_jpg)
    return {
        "folder": root,
        "zip": zip_path,
        "zipslip": slip,
        "files": {k: v[1] for k, v in files.items()},
        "skipped": [".DS_Store", "__MACOSX/", "备注.txt", "001_张三/Thumbs.db"],
        "roster": "roster.csv",
        "zipslip_files": {"001_张三/证书.png": OK, "002_李四/身份证.jpg": OK},
        "zipslip_refused": [
            "../evil.txt",
            "../../evil2.txt",
            "001_张三/../../evil3.txt",
            str(outside_abs),
            "C:/evil4.txt",
            "001_张三/link.png",
        ],
        "zipslip_outside": [
            str(outside_abs),
            str(out_dir / "evil.txt"),
            str(out_dir.parent / "evil2.txt"),
        ],
    }


def glyph_bomb_pdf(glyphs: int = 50_000) -> bytes:
    """A tiny PDF (about a kilobyte, the content stream compressed) whose one page draws
    `glyphs` characters on a single line: a text layer that costs whatever a parser does
    per character, times the characters of a line."""
    content = b"BT /F1 0.01 Tf 72 400 Td (" + b"A" * glyphs + b") Tj ET"
    stream = zlib.compress(content, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)
