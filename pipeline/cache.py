"""Content-addressed cache of stage results, so a re-run of a batch reuses finished work.

Keys are built from the file's SHA-256, the stage's version and the options that change
its output; values are pydantic models stored as JSON, written atomically (temporary
name, then rename) so a killed run never leaves half a cache entry.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pipeline.fileio import atomic_write

M = TypeVar("M", bound=BaseModel)


def cache_key(*parts: object) -> str:
    """A short stable key from the parts (sha256, stage version, options)."""
    raw = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


class StageCache:
    """Folder of JSON entries, one per key."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, model: type[M]) -> M | None:
        path = self._path(key)
        try:
            return model.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # absent or from an incompatible version: recompute

    def put(self, key: str, value: BaseModel) -> None:
        atomic_write(self._path(key), value.model_dump_json().encode("utf-8"), fsync=False)
