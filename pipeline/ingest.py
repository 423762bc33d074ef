"""Batch ingestion: turn a folder or a .zip into a `Batch` (contract §1).

Layout rules (contract §1, plus what real uploads look like):

- The roster is ``roster.xlsx`` or ``roster.csv`` directly under the batch root (xlsx wins
  when both are there). Failing that, if exactly one spreadsheet (``*.xlsx``/``*.csv``,
  e.g. ``汇总表.xlsx``) lies directly under the root, that one is the roster. With several
  and none named ``roster.*``, there is no roster and they are skipped.
- Every other file directly under the root is skipped ("不在申请人文件夹内").
- Hidden files and folders (name starting with ``.``), ``__MACOSX/``, ``Thumbs.db``,
  ``desktop.ini`` and Office lock files (``~$…``) are skipped wherever they are; a skipped
  folder is listed once (``__MACOSX/``), not file by file.
- Every other subfolder of the root is one applicant (key = folder name). Its files are
  found recursively (``rel_path`` keeps nested folders) and all of them are kept whatever
  their extension or content: a ``.jpg`` that is really a PDF gets kind PDF, a ``.docx``
  or ``.txt`` gets kind ZIP/UNKNOWN so that rendering reports it (never dropped silently).
- Symbolic links are never followed (skipped), in folders and zips alike.
- Keys, files and skipped paths are in natural order ("2_x" before "10_x").

Zips are extracted under ``<work_dir>/batch/`` with every entry checked first (zip slip,
symlinks, sizes, counts); an entry refused is skipped and gets a batch-level
``DOC_UNREADABLE`` finding. A zip whose top level is a single folder holding the applicant
folders (the user zipped the batch folder itself) is unwrapped: that folder becomes the
root. A single top folder that directly holds documents (``.pdf``/``.jpg``/…) and no
roster is taken as a one-applicant batch instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.sniff import sniff
from pipeline.types import (
    ApplicantFolder,
    Batch,
    BatchFile,
    FileKind,
    Finding,
    FindingCode,
    Severity,
    Skipped,
)

# The extensions the contract lists; other files are still kept (content decides).
DOCUMENT_EXTS = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
ROSTER_EXTS = (".xlsx", ".csv")
_SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}
_CHUNK = 1 << 20

REASON_ROOT_FILE = "不在申请人文件夹内"


class BatchError(Exception):
    """The batch as a whole cannot be processed (missing, not a folder/zip, unreadable
    zip). The CLI prints it as a one-line reason and exits non-zero."""


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep a hostile zip (bomb, millions of entries) from filling the disk."""

    max_total_bytes: int = 2 * 1024**3  # uncompressed bytes extracted from one zip
    max_files: int = 20_000  # files taken into a batch (zip entries or folder files)
    max_entry_bytes: int = 512 * 1024**2  # one uncompressed zip entry
    # Compression ratio (uncompressed : compressed), per entry and over the whole zip,
    # checked once more than `ratio_floor_bytes` came out: scans, PDFs and photos barely
    # compress, while a bomb's 2 MB can stay under the byte caps above and still write
    # 2 GiB. Measured on the bytes actually written, since declared sizes may lie.
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024**2


# ---------------------------------------------------------------- helpers


def decode_fs_name(name: str) -> tuple[str, bool]:
    """A file or folder name as text, and whether it was not UTF-8. Windows and many zip
    tools on Chinese systems write GBK names; Python hands such bytes over as surrogate
    escapes, which no JSON or report can hold. They are decoded as GB18030 (a superset of
    GBK), else with replacement characters."""
    try:
        name.encode("utf-8")
        return name, False
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("gb18030"), True
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), True


def natural_key(s: str) -> tuple:
    """Sort key that orders embedded numbers by value ("2_x" < "10_x"), then by the raw
    string so that the order is total and deterministic."""
    parts = re.split(r"([0-9]+)", s)
    key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts if p)
    return (key, s)


def _ignore_reason(name: str, is_dir: bool) -> str | None:
    """Why a file or folder of that name is skipped wherever it is, or None."""
    if name == "__MACOSX":
        return "macOS 元数据文件夹"
    if name.startswith("."):
        return "隐藏文件夹" if is_dir else "隐藏文件"
    if not is_dir and name.casefold() in _SYSTEM_FILES:
        return "系统文件"
    if not is_dir and name.startswith("~$"):
        return "Office 临时锁文件"
    return None


def _ignored_prefix(parts: list[str], is_dir: bool) -> tuple[str, str] | None:
    """For a zip entry: (skipped path, reason) of its first ignored component, or None.
    A whole ignored folder maps to one path ending in "/" so it is listed once."""
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        reason = _ignore_reason(p, is_dir or not last)
        if reason:
            path = "/".join(parts[: i + 1])
            return (path + "/" if (is_dir or not last) else path), reason
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _refused(message: str, **found: object) -> Finding:
    return Finding(
        code=FindingCode.DOC_UNREADABLE, severity=Severity.WARNING, message=message, found=found or None
    )


def _is_roster_candidate(name: str) -> bool:
    return name.lower().endswith(ROSTER_EXTS) and not name.startswith(("~$", "."))


# ---------------------------------------------------------------- zip names


def _unicode_path_extra(info: zipfile.ZipInfo, raw_name: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), which some Windows tools add next
    to a GBK/cp437 name; valid only if its CRC matches the header name."""
    extra = info.extra
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        data = extra[i + 4 : i + 4 + size]
        if tag == 0x7075 and len(data) > 5 and data[0] == 1:
            (crc,) = struct.unpack_from("<I", data, 1)
            if crc == zlib.crc32(raw_name):
                try:
                    return data[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


def decode_zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name. Without the UTF-8 flag (bit 0x800) Python decodes names as
    cp437, but Chinese Windows tools write GBK (and macOS tools UTF-8 without the flag):
    re-encode to the raw bytes and try UTF-8, then GB18030 (a superset of GBK)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    unicode_extra = _unicode_path_extra(info, raw)
    if unicode_extra:
        return unicode_extra
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


# ---------------------------------------------------------------- zip extraction


@dataclass
class _Entry:
    info: zipfile.ZipInfo
    name: str  # decoded, "/"-separated
    parts: list[str]
    is_dir: bool


@dataclass
class _ZipResult:
    root: Path
    skipped: list[Skipped] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _unsafe_reason(name: str, info: zipfile.ZipInfo) -> str | None:
    """Why an entry may not be written (zip slip and friends), or None if it is safe."""
    if any(ord(c) < 32 for c in name):
        return "名称含控制字符"
    if name.startswith("/"):
        return "绝对路径"
    if re.match(r"^[A-Za-z]:", name):
        return "路径含盘符"
    if ".." in name.split("/"):
        return "路径含 .."
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:
        ftype = stat.S_IFMT(mode)
        if ftype == stat.S_IFLNK:
            return "符号链接"
        if ftype not in (0, stat.S_IFREG, stat.S_IFDIR):
            return "特殊文件"
    if info.flag_bits & 0x1:
        return "加密条目"
    return None


_UNSAFE_MESSAGES = {
    "绝对路径": "压缩包条目使用绝对路径，已拒绝解压",
    "路径含盘符": "压缩包条目带盘符路径，已拒绝解压",
    "路径含 ..": "压缩包条目路径含“..”，可能写到批次目录之外，已拒绝解压",
    "符号链接": "压缩包条目是符号链接，已拒绝解压",
    "特殊文件": "压缩包条目不是普通文件，已拒绝解压",
    "名称含控制字符": "压缩包条目文件名含控制字符，已拒绝解压",
    "加密条目": "压缩包条目已加密，无法解压",
}


def _unwrap_prefix(entries: list[_Entry]) -> str | None:
    """The single top folder to use as the root, if the zip holds one wrapping folder."""
    tops = {e.parts[0] for e in entries}
    if len(tops) != 1 or any(len(e.parts) == 1 and not e.is_dir for e in entries):
        return None
    top = tops.pop()
    has_sub = any(len(e.parts) >= 3 or (len(e.parts) == 2 and e.is_dir) for e in entries)
    direct = [e.parts[1] for e in entries if len(e.parts) == 2 and not e.is_dir]
    has_roster = any(_is_roster_candidate(n) for n in direct)
    has_docs = any(n.lower().endswith(DOCUMENT_EXTS) for n in direct)
    if has_sub and (has_roster or not has_docs):
        return top
    if has_roster and not has_docs:
        return top
    return None


def _copy_entry(
    zf: zipfile.ZipFile, e: _Entry, target: Path, budget: int, limits: IngestLimits
) -> int:
    """Stream one entry to ``target`` and return its size; raises _TooBig if it passes the
    per-entry cap, the remaining total ``budget`` or the compression-ratio cap (the
    declared size may lie). A partly written file is removed on any failure."""
    written = 0
    cap = min(limits.max_entry_bytes, budget)
    ratio_cap = max(limits.ratio_floor_bytes, limits.max_ratio * max(e.info.compress_size, 1))
    with zf.open(e.info) as src, open(target, "xb") as dst:
        try:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > cap:
                    raise _TooBig(written > limits.max_entry_bytes)
                if written > ratio_cap:
                    raise _TooBig(True, ratio=True)
                dst.write(chunk)
        except BaseException:
            dst.close()
            target.unlink(missing_ok=True)
            raise
    return written


class _TooBig(Exception):
    def __init__(self, entry_cap: bool, ratio: bool = False) -> None:
        super().__init__()
        self.entry_cap = entry_cap
        self.ratio = ratio


def _ratio_refusal(e: _Entry, limits: IngestLimits) -> Finding:
    return _refused(
        f"压缩包条目 {e.name} 的压缩比超过 {limits.max_ratio:.0f}:1（疑似压缩炸弹），已拒绝解压",
        entry=e.name,
        compressed_bytes=e.info.compress_size,
        limit_ratio=limits.max_ratio,
    )


def _extract_zip(zip_path: Path, work_dir: Path, limits: IngestLimits) -> _ZipResult:
    """Extract a batch zip safely into ``<work_dir>/batch`` (replaced if present)."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BatchError(f"cannot read zip {zip_path}: {exc}") from exc

    dest = work_dir / "batch"
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    dest_real = dest.resolve()
    result = _ZipResult(root=dest)
    skipped: dict[str, str] = {}

    with zf:
        try:
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:  # pragma: no cover
            raise BatchError(f"cannot read zip {zip_path}: {exc}") from exc
        entries: list[_Entry] = []
        for info in infos:
            name = decode_zip_name(info).replace("\\", "/")
            is_dir = info.is_dir() or name.endswith("/")
            reason = _unsafe_reason(name, info)
            if reason:
                skipped[name] = f"zip entry refused: {reason}"
                result.findings.append(
                    _refused(_UNSAFE_MESSAGES[reason], entry=name, reason=reason)
                )
                continue
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if not parts:
                continue
            entries.append(_Entry(info, "/".join(parts), parts, is_dir))

        kept: list[_Entry] = []
        ignored: list[tuple[str, str]] = []
        for e in entries:
            ign = _ignored_prefix(e.parts, e.is_dir)
            if ign:
                ignored.append(ign)
            else:
                kept.append(e)

        prefix = _unwrap_prefix(kept)
        if prefix is not None:
            result.root = dest / prefix

        def rel(parts: list[str]) -> str:
            if prefix is not None and len(parts) > 1 and parts[0] == prefix:
                parts = parts[1:]
            return "/".join(parts)

        for path, reason in ignored:
            skipped.setdefault(rel(path.split("/")), reason)

        total = 0
        total_compressed = 0
        count = 0
        seen: set[str] = set()
        refused_rest: tuple[str, int, dict] | None = None
        for idx, e in enumerate(kept):
            target = dest.joinpath(*e.parts)
            # Defence in depth: the checks above should make this impossible.
            if not target.resolve().is_relative_to(dest_real):  # pragma: no cover
                skipped[rel(e.parts)] = "unsafe zip entry: outside the batch folder"
                result.findings.append(_refused(_UNSAFE_MESSAGES["路径含 .."], entry=e.name))
                continue
            try:
                if e.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if e.name in seen:
                    skipped[rel(e.parts)] = "duplicate zip entry"
                    result.findings.append(
                        _refused("压缩包内有重名条目，只解压了第一个", entry=e.name)
                    )
                    continue
                if count >= limits.max_files:
                    refused_rest = (
                        f"压缩包文件数超过上限 {limits.max_files}，其余 {{n}} 个条目未解压",
                        idx,
                        {"limit": limits.max_files},
                    )
                    break
                if total + e.info.file_size > limits.max_total_bytes:
                    refused_rest = (
                        f"压缩包解压后总大小超过上限 {limits.max_total_bytes} 字节，"
                        "其余 {n} 个条目未解压",
                        idx,
                        {"limit_bytes": limits.max_total_bytes},
                    )
                    break
                if e.info.file_size > limits.max_entry_bytes:
                    skipped[rel(e.parts)] = "zip entry too large"
                    result.findings.append(
                        _refused(
                            f"压缩包条目解压后 {e.info.file_size} 字节，超过单个文件上限 "
                            f"{limits.max_entry_bytes} 字节，已拒绝解压",
                            entry=e.name,
                            size=e.info.file_size,
                        )
                    )
                    continue
                if (
                    e.info.file_size > limits.ratio_floor_bytes
                    and e.info.file_size > limits.max_ratio * max(e.info.compress_size, 1)
                ):
                    skipped[rel(e.parts)] = "zip entry compression ratio too high"
                    result.findings.append(_ratio_refusal(e, limits))
                    continue
                seen.add(e.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    total += _copy_entry(zf, e, target, limits.max_total_bytes - total, limits)
                    total_compressed += e.info.compress_size
                    count += 1
                    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(
                        total_compressed, 1
                    ):
                        refused_rest = (
                            f"压缩包总压缩比（解压后与压缩后大小之比）超过 {limits.max_ratio:.0f}:1"
                            "（疑似压缩炸弹），其余 {n} 个条目未解压",
                            idx + 1,
                            {"limit_ratio": limits.max_ratio, "extracted_bytes": total},
                        )
                        break
                except _TooBig as big:
                    if big.ratio:
                        skipped[rel(e.parts)] = "zip entry compression ratio too high"
                        result.findings.append(_ratio_refusal(e, limits))
                        continue
                    if not big.entry_cap:
                        refused_rest = (
                            f"压缩包解压后总大小超过上限 {limits.max_total_bytes} 字节，"
                            "其余 {n} 个条目未解压",
                            idx,
                            {"limit_bytes": limits.max_total_bytes},
                        )
                        break
                    skipped[rel(e.parts)] = "zip entry too large"
                    result.findings.append(
                        _refused(
                            f"压缩包条目解压后超过单个文件上限 {limits.max_entry_bytes} 字节，"
                            "已拒绝解压",
                            entry=e.name,
                        )
                    )
            except (
                zipfile.BadZipFile,
                zlib.error,
                NotImplementedError,
                RuntimeError,
                EOFError,
                OSError,
                ValueError,
            ) as exc:
                skipped[rel(e.parts)] = "zip entry could not be extracted"
                result.findings.append(
                    _refused("压缩包条目损坏或无法解压", entry=e.name, error=str(exc)[:200])
                )
        if refused_rest is not None:
            message, idx, found = refused_rest
            rest = [e for e in kept[idx:] if not e.is_dir]
            result.findings.append(
                _refused(message.replace("{n}", str(len(rest))), refused=len(rest), **found)
            )

    result.skipped = [Skipped(path=p, reason=r) for p, r in skipped.items()]
    return result


# ---------------------------------------------------------------- folder scan


@dataclass
class _Scan:
    limits: IngestLimits
    root: Path
    work_dir: Path | None = None
    skipped: list[Skipped] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    count: int = 0
    refused: int = 0
    renamed: list[str] = field(default_factory=list)  # names that were not UTF-8, decoded

    def rel(self, p: Path) -> str:
        parts = [decode_fs_name(part)[0] for part in p.relative_to(self.root).parts]
        return "/".join(parts)

    def io_path(self, p: Path, rel: str) -> str:
        """Where the file's bytes are read from: the file itself, or, when its path is not
        UTF-8, a link in the work dir whose own name is text and whose target keeps the
        raw bytes (every later stage stores this path in JSON)."""
        try:
            str(p).encode("utf-8")
            return str(p)
        except UnicodeEncodeError:
            pass
        self.renamed.append(rel)
        if self.work_dir is None:
            return str(p).encode("utf-8", "replace").decode("utf-8")
        links = self.work_dir / "names"
        links.mkdir(parents=True, exist_ok=True)
        raw = os.fsencode(str(p.resolve()))
        link = links / (hashlib.sha256(raw).hexdigest()[:24] + Path(rel).suffix.lower())
        if not link.is_symlink() or os.readlink(os.fsencode(str(link))) != raw:
            link.unlink(missing_ok=True)
            os.symlink(raw, os.fsencode(str(link)))
        return str(link)

    def skip(self, p: Path, reason: str, is_dir: bool = False) -> None:
        self.skipped.append(Skipped(path=self.rel(p) + ("/" if is_dir else ""), reason=reason))

    def batch_file(self, p: Path) -> BatchFile | None:
        if self.count >= self.limits.max_files:
            self.refused += 1
            return None
        try:
            size = p.stat().st_size
            digest = _sha256(p)
            kind = sniff(p)
        except OSError as exc:
            self.skip(p, "无法读取")
            self.findings.append(
                Finding(
                    code=FindingCode.DOC_UNREADABLE,
                    severity=Severity.WARNING,
                    message="文件无法读取（权限或磁盘错误）",
                    documents=[f"{self.rel(p)}#1"],
                    found={"error": str(exc)[:200]},
                )
            )
            return None
        self.count += 1
        rel = self.rel(p)
        return BatchFile(
            rel_path=rel,
            path=self.io_path(p, rel),
            size=size,
            sha256=digest,
            kind=kind,
            declared_ext=decode_fs_name(p.suffix.lower())[0],
        )

    def walk(self, folder: Path, out: list[BatchFile]) -> None:
        """Files of an applicant folder, recursively, in natural order of their names."""
        try:
            children = sorted(os.scandir(folder), key=lambda d: natural_key(d.name))
        except OSError as exc:
            self.skip(folder, f"文件夹无法读取：{exc.strerror}", is_dir=True)
            return
        for d in children:
            p = Path(d.path)
            if d.is_symlink():
                self.skip(p, "符号链接，不跟随")
                continue
            is_dir = d.is_dir(follow_symlinks=False)
            reason = _ignore_reason(d.name, is_dir)
            if reason:
                self.skip(p, reason, is_dir)
            elif is_dir:
                self.walk(p, out)
            elif d.is_file(follow_symlinks=False):
                bf = self.batch_file(p)
                if bf is not None:
                    out.append(bf)
            else:
                self.skip(p, "不是普通文件")


def _pick_roster(names: list[str]) -> str | None:
    """The roster among the root's file names (see the module doc for the rule)."""
    lower = {n.lower(): n for n in names}
    for want in ("roster.xlsx", "roster.csv"):
        if want in lower:
            return lower[want]
    sheets = [n for n in names if _is_roster_candidate(n)]
    return sheets[0] if len(sheets) == 1 else None


def _scan_root(
    root: Path, limits: IngestLimits, work_dir: Path | None = None
) -> tuple[_Scan, list[ApplicantFolder], str | None]:
    scan = _Scan(limits=limits, root=root, work_dir=work_dir)
    work_real = work_dir.resolve() if work_dir is not None else None
    try:
        children = sorted(os.scandir(root), key=lambda d: natural_key(d.name))
    except OSError as exc:
        raise BatchError(f"cannot read batch folder {root}: {exc.strerror}") from exc
    files = [d for d in children if d.is_file(follow_symlinks=False)]
    roster = _pick_roster([d.name for d in files if not d.name.startswith(".")])
    applicants: list[ApplicantFolder] = []
    for d in children:
        p = Path(d.path)
        is_dir = d.is_dir(follow_symlinks=False)
        if d.is_symlink():
            scan.skip(p, "符号链接，不跟随")
            continue
        reason = _ignore_reason(d.name, is_dir)
        if is_dir and work_real is not None and p.resolve() == work_real:
            reason = "本次运行的工作目录"
        if reason:
            scan.skip(p, reason, is_dir)
        elif is_dir:
            folder = ApplicantFolder(key=decode_fs_name(d.name)[0])
            scan.walk(p, folder.files)
            applicants.append(folder)
        elif d.name == roster:
            continue
        elif d.is_file(follow_symlinks=False):
            scan.skip(p, REASON_ROOT_FILE)
        else:
            scan.skip(p, "不是普通文件")
    if not applicants:
        loose = sum(1 for s in scan.skipped if s.reason == REASON_ROOT_FILE)
        scan.findings.append(Finding(
            code="BATCH_EMPTY", severity=Severity.WARNING, confidence=1.0,
            message=("批次中没有申请人文件夹：每位申请人的材料应放在一个以其编号或姓名命名的子文件夹中"
                     + (f"；根目录下的 {loose} 个文件已跳过" if loose else ""))))
    if scan.renamed:
        shown = "、".join(scan.renamed[:5]) + ("等" if len(scan.renamed) > 5 else "")
        scan.findings.append(Finding(
            code="FILE_NAME_ENCODING", severity=Severity.INFO, confidence=1.0,
            message=f"{len(scan.renamed)} 个文件的文件名不是 UTF-8 编码，已按 GBK/GB18030 解码后处理：{shown}",
            documents=[f"{r}#1" for r in scan.renamed]))
    if scan.refused:
        scan.findings.append(
            _refused(
                f"批次文件数超过上限 {limits.max_files}，其余 {scan.refused} 个文件未处理",
                limit=limits.max_files,
                refused=scan.refused,
            )
        )
    return scan, applicants, (str(root / roster) if roster else None)


# ---------------------------------------------------------------- entry point


def ingest(source: str | Path, work_dir: Path, limits: IngestLimits = IngestLimits()) -> Batch:
    """Read a batch (folder or .zip) into a `Batch`.

    Raises `BatchError` only when the batch as a whole cannot be processed; every problem
    with a single file or zip entry becomes a skipped entry and/or a batch-level finding.
    """
    src = str(source)
    if src.lower().startswith("s3://"):
        raise BatchError(f"s3 batches need the storage backend, which is not available yet: {src}")
    path = Path(source).expanduser()
    if not path.exists():
        raise BatchError(f"batch not found: {path}")
    pre_skipped: list[Skipped] = []
    findings: list[Finding] = []
    if path.is_dir():
        root = path.resolve()
    elif path.is_file():
        try:
            kind = sniff(path)
        except OSError as exc:
            raise BatchError(f"cannot read batch file {path}: {exc.strerror}") from exc
        if kind != FileKind.ZIP:
            raise BatchError(f"batch must be a folder or a .zip; this file's content is {kind.value}: {path}")
        work_dir = Path(work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
        z = _extract_zip(path, work_dir.resolve(), limits)
        root, pre_skipped, findings = z.root, z.skipped, z.findings
    else:
        raise BatchError(f"batch must be a folder or a .zip: {path}")

    scan, applicants, roster = _scan_root(root, limits, Path(work_dir))
    skipped = {s.path: s for s in pre_skipped}
    for s in scan.skipped:
        skipped.setdefault(s.path, s)
    return Batch(
        source=src,
        root=str(root),
        roster_path=roster,
        applicants=applicants,
        skipped=sorted(skipped.values(), key=lambda s: natural_key(s.path)),
        findings=findings + scan.findings,
    )
