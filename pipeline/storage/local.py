"""The local file system store: the default backend."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from pipeline.fileio import atomic_path, atomic_write
from pipeline.storage.base import ObjectInfo, StorageError


class LocalStore:
    """A folder; keys are relative paths inside it, and nothing outside is reachable."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.url = str(self.root)

    @classmethod
    def from_url(cls, url: str) -> LocalStore:
        return cls(url[len("file://"):] if url.startswith("file://") else url)

    def path(self, key: str) -> Path:
        """The file of a key; refuses keys that would leave the root."""
        p = (self.root / key.lstrip("/")).resolve()
        if p != self.root and self.root not in p.parents:
            raise StorageError(f"key outside the store: {key!r}")
        return p

    def read_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"no such object: {key}") from exc

    def read_bytes_nofollow(self, key: str) -> bytes:
        """The bytes of a regular file at `key`, refusing any symbolic link on the way
        (each component under the root is lstat'ed, the file opened with O_NOFOLLOW).
        What the web UI serves goes through here: `path` resolves links, so a link in
        the out folder to a file elsewhere inside it would otherwise be served."""
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise StorageError(f"bad key: {key!r}")
        cur = self.root
        for i, part in enumerate(parts):
            cur = cur / part
            try:
                st = os.lstat(cur)
            except FileNotFoundError as exc:
                raise StorageError(f"no such object: {key}") from exc
            if stat.S_ISLNK(st.st_mode):
                raise StorageError(f"symbolic link refused: {key}")
            last = i == len(parts) - 1
            if (last and not stat.S_ISREG(st.st_mode)) or (not last and not stat.S_ISDIR(st.st_mode)):
                raise StorageError(f"not a regular file: {key}")
        fd = os.open(cur, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise StorageError(f"not a regular file: {key}")
            return fh.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        atomic_write(self.path(key), data)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.path(prefix) if prefix else self.root
        if base.is_file():
            yield base.relative_to(self.root).as_posix()
            return
        if not base.is_dir():
            return
        for p in sorted(base.rglob("*")):
            if p.is_file():
                yield p.relative_to(self.root).as_posix()

    def stat(self, key: str) -> ObjectInfo:
        p = self.path(key)
        try:
            st = p.stat()
        except FileNotFoundError as exc:
            raise StorageError(f"no such object: {key}") from exc
        return ObjectInfo(key=key, size=st.st_size, etag=f"{st.st_size:x}-{st.st_mtime_ns:x}")

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key in self.list(prefix):
            yield self.stat(key)

    def download(self, key: str, dest: Path) -> Path:
        dest = Path(dest)
        try:
            with atomic_path(dest) as tmp:
                shutil.copyfile(self.path(key), tmp)
        except FileNotFoundError as exc:
            raise StorageError(f"no such object: {key}") from exc
        return dest

    def upload(self, src: Path, key: str) -> None:
        dest = self.path(key)
        with atomic_path(dest) as tmp:
            shutil.copyfile(src, tmp)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
