"""A tiny per-stage timing registry for profiling runs (bench/bench_pipeline.py
--profile-stages), off unless enabled, so a normal run pays one attribute check a span.

Why its own module and not a profiler: cProfile slows the OCR's Python glue several
times and says nothing per pipeline stage; what issue 14 needs is seconds and call
counts per stage (render, orientation, seals, ...) and per OCR call kind (detection,
angle classifier, recognition), and which stage made each OCR call.

- `stage(name)`: a pipeline stage. Stages nest per thread; the innermost open one is
  the stage OCR calls are charged to.
- `span(kind)`: an OCR model call (det, cls, rec) inside the current stage: it is
  recorded under ``ocr.<kind>`` and ``<stage>/ocr.<kind>``.
Totals are summed over threads: with workers > 1 a stage can add up to more than the
wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_enabled = False
_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # key -> [seconds, calls]
_local = threading.local()


def enable(on: bool = True) -> None:
    """Start (or stop) recording; the totals are kept until `reset`."""
    global _enabled
    _enabled = on


def reset() -> None:
    """Forget every total (between the runs of one bench)."""
    with _lock:
        _totals.clear()


def add(key: str, seconds: float, calls: int = 1) -> None:
    """Add `seconds` and `calls` to `key` (thread-safe)."""
    with _lock:
        t = _totals.setdefault(key, [0.0, 0])
        t[0] += seconds
        t[1] += calls


def _stack() -> list[str]:
    st = getattr(_local, "stack", None)
    if st is None:
        st = _local.stack = []
    return st


def current_stage() -> str:
    """The innermost open stage of this thread ("other" outside every stage)."""
    st = _stack()
    return st[-1] if st else "other"


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time a pipeline stage (no-op when disabled)."""
    if not _enabled:
        yield
        return
    st = _stack()
    st.append(name)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        dt = time.perf_counter() - t0
        st.pop()
        add(name, dt)


@contextmanager
def span(kind: str) -> Iterator[None]:
    """Time one OCR model call, charged to the current stage (no-op when disabled)."""
    if not _enabled:
        yield
        return
    where = current_stage()
    t0 = time.perf_counter()
    try:
        yield
    finally:
        dt = time.perf_counter() - t0
        add(f"ocr.{kind}", dt)
        add(f"{where}/ocr.{kind}", dt)


def snapshot() -> dict[str, tuple[float, int]]:
    """A copy of the totals: key -> (seconds, calls)."""
    with _lock:
        return {k: (v[0], int(v[1])) for k, v in _totals.items()}
