"""Per-stage progress of a batch run: a rich bar per stage on a terminal, nothing
otherwise. The flow reports through `reporter()`; the CLI installs the bars with
`use_reporter(RichReporter())` when stderr is a TTY. (Operators with a Prefect server
see the same stages as task runs in its UI.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Stage:
    """One stage's counter; `advance` is called as each unit of work finishes."""

    def advance(self, n: int = 1) -> None:
        pass


class Reporter:
    """No output (tests, logs, non-TTY)."""

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Stage]:
        yield Stage()


class _RichStage(Stage):
    def __init__(self, progress: Any, task_id: Any) -> None:
        self.progress, self.task_id = progress, task_id

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task_id, n)


class RichReporter(Reporter):
    """One rich progress bar per stage, kept on screen when the stage is done."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True))

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Stage]:
        task_id = self.progress.add_task(name, total=max(total, 0))
        try:
            yield _RichStage(self.progress, task_id)
        finally:
            self.progress.update(task_id, completed=total)

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


_current: Reporter = Reporter()
_lock = threading.Lock()


def reporter() -> Reporter:
    return _current


@contextmanager
def use_reporter(r: Reporter) -> Iterator[Reporter]:
    """Install `r` for the runs started inside the block (one batch per process)."""
    global _current
    with _lock:
        previous, _current = _current, r
    try:
        yield r
    finally:
        with _lock:
            _current = previous
