"""The storage interface every backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable


class StorageError(RuntimeError):
    """A storage operation failed (missing key, refused credentials, bad URL)."""


class TransientStorageError(StorageError):
    """A failure worth retrying (timeout, connection reset, 5xx)."""


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its key, size in bytes, and a tag that changes when its content
    does (S3 ETag; size and mtime for local files), so a sync can skip unchanged objects."""

    key: str
    size: int
    etag: str


@runtime_checkable
class Store(Protocol):
    """Keys are '/'-separated paths relative to the store's root (URL prefix)."""

    url: str

    def read_bytes(self, key: str) -> bytes: ...

    def write_bytes(self, key: str, data: bytes) -> None:
        """Atomic: a reader sees the old object or the whole new one, never a part."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under `prefix`, recursively, sorted."""
        ...

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Like `list`, with size and content tag."""
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and content tag of one object; StorageError if it is missing."""
        ...

    def download(self, key: str, dest: Path) -> Path:
        """Copy one object to a local file (streamed, not held whole in memory)."""
        ...

    def upload(self, src: Path, key: str) -> None:
        """Copy a local file to `key` (streamed; multipart for large files); atomic."""
        ...

    def delete(self, key: str) -> None: ...
