"""The storage interface every backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable


class StorageError(RuntimeError):
    """A storage operation failed (missing key, refused credentials, bad URL)."""


class TransientStorageError(StorageError):
    """A failure worth retrying (timeout, connection reset, 5xx)."""


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

    def download(self, key: str, dest: Path) -> Path:
        """Copy one object to a local file (streamed, not held whole in memory)."""
        ...

    def upload(self, src: Path, key: str) -> None:
        """Copy a local file to `key` (streamed; multipart for large files); atomic."""
        ...

    def delete(self, key: str) -> None: ...
