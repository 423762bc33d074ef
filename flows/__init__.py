"""Prefect orchestration of the pipeline (issue 5): thin flows over the plain stages.

Importing this package sets Prefect's environment defaults, which Prefect reads once, when
it is first imported: its ephemeral server (used when no ``PREFECT_API_URL`` is set) takes
7-20 s to start on a small machine, and its logs would drown the CLI's output. Values
already in the environment win, so operators keep full control.
"""

from __future__ import annotations

import logging
import os
import sys

PREFECT_ENV_DEFAULTS: dict[str, str] = {
    # The ephemeral server's first start (database migrations on 2 busy cores) can pass
    # Prefect's default 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Only reaches a server this process starts itself (the ephemeral one, which nobody
    # looks at): its task-run recorder logs tracebacks when it is stopped mid-flush at
    # exit, and recording costs ~40 ms a task. A real server keeps its own settings.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    # Dask's scheduler and workers log every start and stop at INFO.
    "DASK_LOGGING__DISTRIBUTED": "warning",
}


def configure_prefect_env() -> None:
    """Set the defaults above (before `prefect` is imported; later they have no effect)."""
    if "prefect" in sys.modules:
        logging.getLogger(__name__).debug("prefect was imported before flows: its settings stand")
    for key, value in PREFECT_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not os.environ.get("PREFECT_API_URL"):
        # Ephemeral mode: no UI reads the run logs, so do not ship them to the server
        # (with a real server, operators see them there).
        os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")


configure_prefect_env()
