"""Atomic file writes, one helper for every output file, cache entry, page image and
download: a reader, or a run killed mid-write, sees the old file or the complete new one,
never half of one. The temp name is unique (pid and random part), so two threads or
processes writing the same path never share a temp file, and it matches the report
writer's clean-up of stale temps (`.<name>.*.tmp`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A fresh temp name in `path`'s folder (the same file system, so os.replace is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextmanager
def atomic_path(path: Path, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temp path to write `path`'s new content to; on leaving the block it is
    renamed over `path` (fsynced first when asked), or removed if the block raised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
    try:
        yield tmp
        if fsync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write bytes atomically; outputs are fsynced (a crash leaves the old report, not an
    empty one), cache entries need not be (`fsync=False`: a lost entry is recomputed)."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)
