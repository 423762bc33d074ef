"""Tell what a file really is from its first bytes.

Applicants rename files freely (a PDF saved as ``.jpg``, a photo without extension), so
the pipeline never trusts the name: every stage dispatches on the kind sniffed here.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.types import FileKind

# Readers (pdfium, Acrobat) accept "%PDF-" after up to 1024 bytes of junk (mail headers,
# BOMs, a stray HTTP header), so we look that far too.
PDF_SEARCH_BYTES = 1024

_PREFIXES: tuple[tuple[bytes, FileKind], ...] = (
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"II*\x00", FileKind.TIFF),
    (b"MM\x00*", FileKind.TIFF),
    (b"II+\x00", FileKind.TIFF),  # BigTIFF
    (b"MM\x00+", FileKind.TIFF),
    (b"GIF87a", FileKind.GIF),
    (b"GIF89a", FileKind.GIF),
    (b"PK\x03\x04", FileKind.ZIP),
    (b"PK\x05\x06", FileKind.ZIP),  # empty archive
    (b"PK\x07\x08", FileKind.ZIP),  # spanned archive marker
)


def sniff_bytes(head: bytes) -> FileKind:
    """Kind of a file given its first bytes (at least ``PDF_SEARCH_BYTES`` if available)."""
    if not head:
        return FileKind.EMPTY
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    for prefix, kind in _PREFIXES:
        if head.startswith(prefix):
            return kind
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    # "BM" alone is too weak (any text starting with "BM"): also check the DIB header size.
    if len(head) >= 18 and head[:2] == b"BM":
        dib = int.from_bytes(head[14:18], "little")
        if dib in (12, 16, 40, 52, 56, 64, 108, 124):
            return FileKind.BMP
    if b"%PDF-" in head[:PDF_SEARCH_BYTES]:
        return FileKind.PDF
    return FileKind.UNKNOWN


def sniff(path: str | Path) -> FileKind:
    """Kind of the file at ``path``, from its content only (EMPTY for 0 bytes)."""
    with open(path, "rb") as fh:
        head = fh.read(PDF_SEARCH_BYTES)
    return sniff_bytes(head)


# Extensions an uploaded file of each kind may honestly carry.
EXTENSIONS: dict[FileKind, frozenset[str]] = {
    FileKind.PDF: frozenset({".pdf"}),
    FileKind.JPEG: frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    FileKind.PNG: frozenset({".png"}),
    FileKind.TIFF: frozenset({".tif", ".tiff"}),
    FileKind.BMP: frozenset({".bmp", ".dib"}),
    FileKind.WEBP: frozenset({".webp"}),
}


def extension_lies(declared_ext: str, kind: FileKind) -> bool:
    """Whether a readable file's name claims another type than its bytes (a PDF named
    .jpg, a PNG named .pdf). It is read by its content anyway; the reviewer is told,
    because a renamed file is sometimes a sign of an edited one. No extension is no lie."""
    allowed = EXTENSIONS.get(kind)
    return bool(declared_ext) and allowed is not None and declared_ext.lower() not in allowed
