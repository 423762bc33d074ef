"""Where the flow's tasks run: threads (default), a local process pool, or Dask.

- ``threads``: `ThreadPoolTaskRunner` with ``--workers`` threads in this process. OCR
  calls are serialised by the engine's lock and use every core inside onnxruntime; the
  threads overlap the rest (rendering, segmentation, seals, faces, I/O).
- ``processes``: `ProcessPoolTaskRunner`, ``--workers`` spawned processes that each load
  the OCR engine once (on their first uncached file), with the cores shared out.
- ``dask``: `prefect_dask.DaskTaskRunner` on an existing cluster (``--dask-address
  tcp://scheduler:8786``) or a `LocalCluster` of ``--workers`` single-threaded worker
  processes. Each worker process loads the engine once (`models.ocr.get_engine` caches
  per process).

Process-based runners and Prefect's ephemeral mode: every process that runs a task talks
to the Prefect API. Without ``PREFECT_API_URL`` each spawned worker would start an
ephemeral server of its own (seconds each, and they race on the same SQLite file). So
for those runners `shared_api` starts this process's ephemeral server up front and points
the run's settings (which Prefect ships to every task) and the workers' environment at
it: one server on loopback, shared. Workers on other machines cannot reach this
process's loopback: they need a real server (``prefect server start`` and
``PREFECT_API_URL`` on every machine; see the README).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import flows  # noqa: F401  (Prefect's environment defaults, before prefect is imported)

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _threads_each(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def share_cores(threads: int) -> None:
    """Worker-process initializer: its share of the cores for onnxruntime. The engine
    itself loads on the first file that misses the cache (then stays: `get_engine`
    caches per process), so a fully cached re-run loads no model at all."""
    os.environ.setdefault("CERTRIAGE_OCR_THREADS", str(threads))


def make_task_runner(kind: str = "threads", workers: int = 1,
                     dask_address: str | None = None) -> Any:
    """The Prefect task runner for ``--task-runner`` / ``--dask-address``."""
    workers = max(1, int(workers))
    if dask_address:
        kind = "dask"
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "processes":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers, initializer=share_cores,
                                     initargs=(_threads_each(workers),))
    if kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise RuntimeError("--task-runner dask needs prefect-dask: pip install prefect-dask") from exc
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,  # one OCR engine per process, used by one task at a time
                "processes": True,
                "dashboard_address": None,  # no port 8787 to collide on
                "env": {"CERTRIAGE_OCR_THREADS": str(_threads_each(workers)),
                        "ORT_DISABLE_TELEMETRY": "1"},
            },
        )
    raise ValueError(f"unknown task runner {kind!r} (threads, processes, dask)")


def dask_needs_server(dask_address: str | None) -> bool:
    """An existing cluster off this machine cannot reach an ephemeral API on loopback."""
    if not dask_address:
        return False
    host = urlparse(dask_address if "://" in dask_address else f"tcp://{dask_address}").hostname
    return host not in LOOPBACK


def start_api() -> str | None:
    """The Prefect API URL, starting the ephemeral server now (the same singleton Prefect's
    clients would start on first use) when no PREFECT_API_URL is configured, so the CLI
    can show that wait as a stage of its own. None when ephemeral mode is switched off."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE

    configured = PREFECT_API_URL.value()
    if configured:
        return str(configured)
    if not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value():
        return None  # Prefect itself will say what is missing
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    return server.api_url


@contextmanager
def shared_api(needed: bool) -> Iterator[str | None]:
    """Make every process of the run use one Prefect API (see the module doc). Yields
    the API URL in use, None when the runner needs nothing (threads, ephemeral)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if not needed or configured:
        yield configured
        return
    url = start_api()
    if url is None:
        yield None
        return
    old = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url  # for worker processes spawned from here
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if old is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = old
