"""Batch ingestion: layouts, zips (GBK names, wrapping folder, limits), sniffing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pipeline.ingest import BatchError, IngestLimits, ingest, natural_key
from pipeline.samples.hostile import RawNameZipInfo, text_pdf, write_gbk_entry
from pipeline.sniff import sniff, sniff_bytes
from pipeline.types import FileKind


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buf, format="JPEG")
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _batch_files() -> dict[str, bytes]:
    return {
        "roster.xlsx": b"PK\x03\x04fake",
        "notes.txt": b"hello",
        ".DS_Store": b"\x00",
        "__MACOSX/10_b/._x.png": b"\x00",
        "10_王五/a.png": _png(),
        "2_李四/证书/扫描件.pdf": PDF,
        "2_李四/身份证.jpg": _jpeg(),
        "2_李四/其实是PDF.jpg": PDF,
        "2_李四/照片.PNG": _png(),
        "2_李四/无扩展名": _jpeg(),
        "2_李四/简历.docx": b"PK\x03\x04docx",
        "2_李四/readme.txt": "说明".encode(),
        "2_李四/空.pdf": b"",
        "2_李四/.hidden.jpg": _jpeg(),
        "2_李四/Thumbs.db": b"\x00",
        "007_张三/scan.pdf": PDF,
    }


def _summary(batch) -> dict:
    return {
        "keys": [a.key for a in batch.applicants],
        "files": {
            f.rel_path: (f.kind, f.size, f.sha256, f.declared_ext)
            for a in batch.applicants
            for f in a.files
        },
        "order": [f.rel_path for a in batch.applicants for f in a.files],
        "skipped": [(s.path, s.reason) for s in batch.skipped],
        "roster": Path(batch.roster_path).name if batch.roster_path else None,
    }


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    "head,kind",
    [
        (b"", FileKind.EMPTY),
        (b"%PDF-1.7\n", FileKind.PDF),
        (b"\r\n\xef\xbb\xbfjunk%PDF-1.4\n", FileKind.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", FileKind.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", FileKind.PNG),
        (b"II*\x00\x08\x00\x00\x00", FileKind.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", FileKind.TIFF),
        (b"BM" + b"\x00" * 12 + b"\x28\x00\x00\x00", FileKind.BMP),
        (b"BMW is a car, not a bitmap header", FileKind.UNKNOWN),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", FileKind.WEBP),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", FileKind.UNKNOWN),
        (b"GIF89a\x01\x00", FileKind.GIF),
        (b"PK\x03\x04\x14\x00", FileKind.ZIP),
        ("纯文本".encode(), FileKind.UNKNOWN),
    ],
)
def test_sniff_bytes(head: bytes, kind: FileKind) -> None:
    assert sniff_bytes(head) == kind


def test_sniff_file(tmp_path: Path) -> None:
    p = tmp_path / "x.jpg"
    p.write_bytes(PDF)
    assert sniff(p) == FileKind.PDF


# ---------------------------------------------------------------- folders


def test_ingest_folder(tmp_path: Path) -> None:
    root = tmp_path / "batch"
    _write(root, _batch_files())
    batch = ingest(root, tmp_path / "work")
    s = _summary(batch)
    assert batch.root == str(root.resolve())
    assert s["roster"] == "roster.xlsx"
    assert s["keys"] == ["2_李四", "007_张三", "10_王五"]  # natural order
    assert s["order"][:1] == ["2_李四/readme.txt"]
    files = s["files"]
    assert files["2_李四/证书/扫描件.pdf"][0] == FileKind.PDF  # nested folder kept
    assert files["2_李四/其实是PDF.jpg"][0] == FileKind.PDF  # lies about its extension
    assert files["2_李四/其实是PDF.jpg"][3] == ".jpg"
    assert files["2_李四/照片.PNG"][:1] == (FileKind.PNG,) and files["2_李四/照片.PNG"][3] == ".png"
    assert files["2_李四/无扩展名"][0] == FileKind.JPEG
    assert files["2_李四/简历.docx"][0] == FileKind.ZIP  # kept: rendering reports it
    assert files["2_李四/readme.txt"][0] == FileKind.UNKNOWN
    assert files["2_李四/空.pdf"][:2] == (FileKind.EMPTY, 0)
    assert len(files["007_张三/scan.pdf"][2]) == 64
    assert "2_李四/.hidden.jpg" not in files and "2_李四/Thumbs.db" not in files
    assert dict(s["skipped"]) == {
        ".DS_Store": "隐藏文件",
        "__MACOSX/": "macOS 元数据文件夹",
        "notes.txt": "不在申请人文件夹内",
        "2_李四/.hidden.jpg": "隐藏文件",
        "2_李四/Thumbs.db": "系统文件",
    }
    assert batch.findings == []
    # Deterministic: a second ingest gives exactly the same batch.
    assert ingest(root, tmp_path / "work").model_dump() == batch.model_dump()


def test_natural_key() -> None:
    names = ["10_b", "2_a", "1_c", "001_d", "a10", "a9", "B", "a"]
    assert sorted(names, key=natural_key) == ["1_c", "001_d", "2_a", "10_b", "a", "a9", "a10", "B"]


def test_roster_rules(tmp_path: Path) -> None:
    one = tmp_path / "one"
    _write(one, {"汇总表.xlsx": b"x", "1_a/x.pdf": PDF})
    assert Path(ingest(one, tmp_path / "w").roster_path or "").name == "汇总表.xlsx"

    both = tmp_path / "both"
    _write(both, {"Roster.CSV": b"x", "roster.xlsx": b"x", "1_a/x.pdf": PDF})
    b = ingest(both, tmp_path / "w")
    assert Path(b.roster_path or "").name == "roster.xlsx"
    assert [s.path for s in b.skipped] == ["Roster.CSV"]

    several = tmp_path / "several"
    _write(several, {"a.xlsx": b"x", "b.csv": b"x", "~$a.xlsx": b"x", "1_a/x.pdf": PDF})
    b = ingest(several, tmp_path / "w")
    assert b.roster_path is None
    assert {s.path: s.reason for s in b.skipped} == {
        "a.xlsx": "不在申请人文件夹内",
        "b.csv": "不在申请人文件夹内",
        "~$a.xlsx": "Office 临时锁文件",
    }


def test_symlinks_in_folder_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF)
    root = tmp_path / "batch"
    _write(root, {"1_a/ok.pdf": PDF})
    (root / "1_a" / "link.pdf").symlink_to(secret)
    b = ingest(root, tmp_path / "w")
    assert [f.rel_path for f in b.applicants[0].files] == ["1_a/ok.pdf"]
    assert [(s.path, s.reason) for s in b.skipped] == [
        ("1_a/link.pdf", "符号链接，不跟随")
    ]


def test_folder_file_cap(tmp_path: Path) -> None:
    root = tmp_path / "batch"
    _write(root, {f"1_a/{i}.pdf": PDF for i in range(5)})
    b = ingest(root, tmp_path / "w", IngestLimits(max_files=3))
    assert [f.rel_path for f in b.applicants[0].files] == ["1_a/0.pdf", "1_a/1.pdf", "1_a/2.pdf"]
    assert len(b.findings) == 1 and b.findings[0].found["refused"] == 2


# ---------------------------------------------------------------- zips


def _zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in files.items():
            z.writestr(prefix + rel, data)
    return path


def test_zip_equals_folder(tmp_path: Path) -> None:
    files = _batch_files()
    root = tmp_path / "batch"
    _write(root, files)
    zipped = _zip(tmp_path / "batch.zip", files)
    from_folder = _summary(ingest(root, tmp_path / "w1"))
    b = ingest(zipped, tmp_path / "w2")
    assert Path(b.root) == (tmp_path / "w2" / "batch").resolve()
    assert b.source == str(zipped)
    assert _summary(b) == from_folder
    assert all(Path(f.path).is_file() for a in b.applicants for f in a.files)


def test_zip_single_top_folder_unwrapped(tmp_path: Path) -> None:
    files = _batch_files()
    zipped = _zip(tmp_path / "upload.zip", files, prefix="2024年第一批/")
    root = tmp_path / "batch"
    _write(root, files)
    b = ingest(zipped, tmp_path / "w")
    assert Path(b.root).name == "2024年第一批"
    assert _summary(b) == _summary(ingest(root, tmp_path / "w2"))


def test_zip_of_one_applicant_folder_not_unwrapped(tmp_path: Path) -> None:
    zipped = _zip(tmp_path / "x.zip", {"007_张三/scan.pdf": PDF, "007_张三/证书/a.jpg": _jpeg()})
    b = ingest(zipped, tmp_path / "w")
    assert [a.key for a in b.applicants] == ["007_张三"]
    assert [f.rel_path for f in b.applicants[0].files] == [
        "007_张三/scan.pdf",
        "007_张三/证书/a.jpg",
    ]


def test_zip_gbk_names(tmp_path: Path) -> None:
    path = tmp_path / "windows.zip"
    with zipfile.ZipFile(path, "w") as z:
        write_gbk_entry(z, "汇总表.csv", "姓名\n张三\n".encode("gbk"))
        write_gbk_entry(z, "007_张三/身份证复印件.jpg", _jpeg())
        write_gbk_entry(z, "007_张三/职业资格证书.pdf", text_pdf(["证书"]))
        z.writestr("008_李四/a.png", _png())  # plain ASCII + UTF-8 names mixed in
        z.writestr("008_李四/工作证明.png", _png())
    with zipfile.ZipFile(path) as z:  # the raw entries really lack the UTF-8 flag
        assert [i.flag_bits & 0x800 for i in z.infolist()][:3] == [0, 0, 0]
    b = ingest(path, tmp_path / "w")
    assert Path(b.roster_path or "").name == "汇总表.csv"
    assert [(a.key, [f.rel_path for f in a.files]) for a in b.applicants] == [
        (
            "007_张三",
            ["007_张三/职业资格证书.pdf", "007_张三/身份证复印件.jpg"],
        ),  # code point order
        ("008_李四", ["008_李四/a.png", "008_李四/工作证明.png"]),
    ]
    kinds = {f.rel_path: f.kind for a in b.applicants for f in a.files}
    assert kinds["007_张三/职业资格证书.pdf"] == FileKind.PDF


def test_zip_unicode_path_extra_field(tmp_path: Path) -> None:
    """Some Windows tools write a cp437/GBK name plus the UTF-8 name in extra field 0x7075."""
    raw = "007_张三/证书.pdf".encode("gbk")
    utf8 = "007_张三/证书.pdf".encode()
    extra = (
        struct.pack("<HHB", 0x7075, 5 + len(utf8), 1) + struct.pack("<I", zlib.crc32(raw)) + utf8
    )
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = RawNameZipInfo(raw)
        info.extra = extra
        z.writestr(info, PDF)
    b = ingest(path, tmp_path / "w")
    assert [f.rel_path for a in b.applicants for f in a.files] == ["007_张三/证书.pdf"]


def test_work_dir_inside_batch_is_not_an_applicant(tmp_path: Path) -> None:
    root = tmp_path / "batch"
    _write(root, {"1_a/x.pdf": PDF, "work/pages/p1.png": _png()})
    b = ingest(root, root / "work")
    assert [a.key for a in b.applicants] == ["1_a"]
    assert [(s.path, s.reason) for s in b.skipped] == [("work/", "本次运行的工作目录")]


def test_zip_slip_refused(tmp_path: Path) -> None:
    work = tmp_path / "deep" / "work"
    outside_abs = tmp_path / "abs_evil.txt"
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../evil.txt", "x")
        z.writestr("../../evil2.txt", "x")
        z.writestr("1_a/../../../evil3.txt", "x")
        z.writestr("..\\evil4.txt", "x")
        z.writestr(str(outside_abs), "x")
        z.writestr("C:/evil5.txt", "x")
        link = zipfile.ZipInfo("1_a/link.pdf")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("1_a/ok.pdf", PDF)
    b = ingest(path, work)
    assert [f.rel_path for a in b.applicants for f in a.files] == ["1_a/ok.pdf"]
    assert len(b.findings) == 7
    assert all(f.code == "DOC_UNREADABLE" and f.severity == "warning" for f in b.findings)
    refused = {f.found["entry"]: f.found["reason"] for f in b.findings}
    assert refused["../evil.txt"] == "路径含 .."
    assert refused["../evil4.txt"] == "路径含 .."  # backslashes are separators too
    assert refused[str(outside_abs)] == "绝对路径"
    assert refused["C:/evil5.txt"] == "路径含盘符"
    assert refused["1_a/link.pdf"] == "符号链接"
    assert {s.path for s in b.skipped} == set(refused)
    for p in [
        outside_abs,
        work / "evil.txt",
        work.parent / "evil2.txt",
        tmp_path / "evil3.txt",
        work / "evil4.txt",
        work / "evil5.txt",
        work / "batch" / "1_a" / "link.pdf",
    ]:
        assert not p.exists(), p
    inside = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    assert inside == {"batch/1_a/ok.pdf"}


def test_zip_limits(tmp_path: Path) -> None:
    big = b"\x00" * 200_000  # compresses to almost nothing: a small bomb
    path = _zip(
        tmp_path / "b.zip",
        {
            "1_a/a.pdf": PDF,
            "1_a/big.bin": big,
            "1_a/b.pdf": PDF,
            "1_a/c.pdf": PDF,
            "1_a/d.pdf": PDF,
        },
    )
    b = ingest(path, tmp_path / "w1", IngestLimits(max_entry_bytes=100_000))
    assert [f.rel_path for a in b.applicants for f in a.files] == [
        "1_a/a.pdf",
        "1_a/b.pdf",
        "1_a/c.pdf",
        "1_a/d.pdf",
    ]
    assert len(b.findings) == 1 and b.findings[0].found["entry"] == "1_a/big.bin"
    assert not (tmp_path / "w1" / "batch" / "1_a" / "big.bin").exists()

    b = ingest(path, tmp_path / "w2", IngestLimits(max_total_bytes=100_000))
    assert [f.rel_path for a in b.applicants for f in a.files] == ["1_a/a.pdf"]
    assert len(b.findings) == 1 and b.findings[0].found["refused"] == 4

    b = ingest(path, tmp_path / "w3", IngestLimits(max_files=2))
    assert [f.rel_path for a in b.applicants for f in a.files] == ["1_a/a.pdf", "1_a/big.bin"]
    assert len(b.findings) == 1 and b.findings[0].found["refused"] == 3


def _extracted_bytes(work: Path) -> int:
    return sum(p.stat().st_size for p in (work / "batch").rglob("*") if p.is_file())


def test_zip_compression_ratio_is_capped(tmp_path: Path) -> None:
    """A bomb under the default byte caps (issue 12 item 18): entries of a few KB that
    inflate to MBs are refused with DOC_UNREADABLE, one by one (per-entry ratio) and,
    when each stays under the 1 MiB floor, for the whole zip (total ratio)."""
    zeros = b"\x00" * (3 * 1024**2)  # deflates about 1000:1
    path = _zip(tmp_path / "bomb.zip", {"1_a/a.pdf": PDF, "1_a/z1.bin": zeros, "1_a/z2.bin": zeros,
                                         "1_a/b.pdf": PDF})
    b = ingest(path, tmp_path / "w1")  # default limits
    assert [f.rel_path for a in b.applicants for f in a.files] == ["1_a/a.pdf", "1_a/b.pdf"]
    assert sorted(f.found["entry"] for f in b.findings) == ["1_a/z1.bin", "1_a/z2.bin"]
    assert {f.code for f in b.findings} == {"DOC_UNREADABLE"}
    assert all("压缩比" in f.message for f in b.findings)
    assert {s.path: s.reason for s in b.skipped}["1_a/z1.bin"] == "zip entry compression ratio too high"
    assert _extracted_bytes(tmp_path / "w1") < 1024**2

    # The same with the declared size understated: the written bytes are measured.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("1_a/z1.bin")
    for off in (info.header_offset + 22, data.find(b"PK\x01\x02", info.header_offset) + 24):
        data[off : off + 4] = (1000).to_bytes(4, "little")
    lying = tmp_path / "lying.zip"
    lying.write_bytes(bytes(data))
    b = ingest(lying, tmp_path / "w3")
    assert "1_a/z1.bin" not in [f.rel_path for a in b.applicants for f in a.files]
    assert _extracted_bytes(tmp_path / "w3") < 2 * 1024**2

    small = b"\x00" * (900 * 1024)  # each under the per-entry floor
    files = {f"1_a/s{i:02d}.bin": small for i in range(20)}
    b = ingest(_zip(tmp_path / "many.zip", {"1_a/a.pdf": PDF, **files}), tmp_path / "w2")
    kept = [f.rel_path for a in b.applicants for f in a.files]
    assert "1_a/a.pdf" in kept and len(kept) < 4
    assert len(b.findings) == 1 and b.findings[0].code == "DOC_UNREADABLE"
    assert "压缩比" in b.findings[0].message and b.findings[0].found["refused"] == 21 - len(kept)
    assert _extracted_bytes(tmp_path / "w2") < 3 * 1024**2


def test_zip_lying_sizes(tmp_path: Path) -> None:
    """An entry whose header understates its size is refused (zipfile stops at the declared
    size and the CRC check fails; past the cap our own counter stops it), never crashes."""
    path = _zip(tmp_path / "b.zip", {"1_a/big.bin": b"\x00" * 300_000, "1_a/ok.pdf": PDF})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("1_a/big.bin")
    # Patch the declared uncompressed size (local header offset 22, central dir too).
    for off in (info.header_offset + 22, data.find(b"PK\x01\x02") + 24):
        data[off : off + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    b = ingest(path, tmp_path / "w", IngestLimits(max_entry_bytes=100_000))
    assert [f.rel_path for a in b.applicants for f in a.files] == ["1_a/ok.pdf"]
    assert len(b.findings) == 1


def test_rerun_replaces_extraction(tmp_path: Path) -> None:
    work = tmp_path / "w"
    ingest(_zip(tmp_path / "a.zip", {"1_a/x.pdf": PDF}), work)
    b = ingest(_zip(tmp_path / "b.zip", {"2_b/y.pdf": PDF}), work)
    assert [a.key for a in b.applicants] == ["2_b"]


# ---------------------------------------------------------------- whole-batch errors


def test_batch_errors(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="storage backend"):
        ingest("s3://bucket/prefix/", tmp_path / "w")
    with pytest.raises(BatchError, match="not found"):
        ingest(tmp_path / "nope", tmp_path / "w")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(PDF)
    with pytest.raises(BatchError, match="folder or a .zip"):
        ingest(pdf, tmp_path / "w")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(BatchError, match="cannot read zip"):
        ingest(broken, tmp_path / "w")


@pytest.mark.parametrize(("ext", "kind", "lies"), [
    (".jpg", "pdf", True), (".pdf", "png", True), (".png", "jpeg", True),
    (".JPG", "jpeg", False), (".jpeg", "jpeg", False), (".tif", "tiff", False), ("", "pdf", False),
])
def test_extension_lies(ext: str, kind: str, lies: bool) -> None:
    from pipeline.sniff import extension_lies
    from pipeline.types import FileKind

    assert extension_lies(ext, FileKind(kind)) is lies


def test_gbk_names_in_a_folder_batch(tmp_path: Path) -> None:
    """Names written by a Chinese Windows (GBK bytes, not UTF-8) are decoded, the run goes
    on and says so; the bytes are still read through the raw name (issue 12, item 2)."""
    import json
    import os

    from pipeline.cli import main

    root = tmp_path / "batch"
    root.mkdir()
    folder = os.path.join(os.fsencode(str(root)), "003_王五".encode("gbk"))
    os.mkdir(folder)
    with open(os.path.join(folder, "身份证.png".encode("gbk")), "wb") as fh:
        fh.write(_png())
    (root / "004_赵六").mkdir()
    (root / "004_赵六" / "a.png").write_bytes(_png())
    batch = ingest(root, tmp_path / "work")
    assert [a.key for a in batch.applicants] == ["003_王五", "004_赵六"]
    f = batch.applicants[0].files[0]
    assert f.rel_path == "003_王五/身份证.png" and f.kind == FileKind.PNG
    assert Path(f.path).read_bytes() == _png()
    f.model_dump_json()  # a surrogate escape would make this raise
    [note] = [x for x in batch.findings if x.code == "FILE_NAME_ENCODING"]
    assert note.documents == ["003_王五/身份证.png#1"]
    out = tmp_path / "out"
    assert main(["run", str(root), "--out", str(out), "--no-prefect", "--batch-date", "2024-12-01"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [a["key"] for a in report["applicants"]] == ["003_王五", "004_赵六"]
    assert "FILE_NAME_ENCODING" in [x["code"] for x in report["findings"]]


def test_batch_without_applicant_folders_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files dropped straight into the batch folder: exit 0 as the contract says, but a
    BATCH_EMPTY warning in the report and on the terminal, and the end line counts the
    skipped files (issue 12, items 5 and 10)."""
    import json

    from pipeline.cli import main

    root = tmp_path / "batch"
    _write(root, {"张三身份证.jpg": _jpeg(), "张三毕业证.pdf": PDF})
    batch = ingest(root, tmp_path / "work")
    [f] = batch.findings
    assert f.code == "BATCH_EMPTY" and f.severity == "warning" and "2 个文件已跳过" in f.message
    assert {s.reason for s in batch.skipped} == {"不在申请人文件夹内"}
    out = tmp_path / "out"
    assert main(["run", str(root), "--out", str(out), "--no-prefect"]) == 0
    printed = capsys.readouterr()
    assert "BATCH_EMPTY" not in printed.err and "没有申请人文件夹" in printed.err
    assert "2 files skipped, 1 batch findings" in printed.out
    assert "report.html" in printed.out and "queue.xlsx" in printed.out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [x["code"] for x in report["findings"]] == ["BATCH_EMPTY"]
