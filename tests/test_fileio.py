"""The one atomic write (pipeline/fileio.py) that every output, cache entry, page image
and download goes through."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from pipeline.fileio import atomic_path, atomic_write, temp_beside


def test_threads_writing_one_path_never_share_a_temp_file(tmp_path: Path) -> None:
    """Two threads turning the same page once raced on a fixed temp name: each now has
    its own, and the file ends as one complete write."""
    target = tmp_path / "page_r90.png"
    payloads = [bytes([i]) * 200_000 for i in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(5):
                atomic_write(target, data, fsync=False)
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["page_r90.png"]
    assert len({temp_beside(target) for _ in range(100)}) == 100


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "page.png"
    atomic_write(target, b"old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("encoder failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["page.png"]
    with atomic_path(target) as tmp:  # a writer that needs a path (PIL) gets one
        Image.new("RGB", (4, 4), "red").save(tmp, format="PNG")
    assert Image.open(target).size == (4, 4)
    assert target.stat().st_mode & 0o044 == 0o044  # readable like any output (mkstemp made 0600 files)
