"""A deployment for operators who run a Prefect server: serve the batch flow, then start
runs for a batch prefix from the UI or the CLI.

    prefect server start --host 0.0.0.0                       # once, on the server
    export PREFECT_API_URL=http://server:4200/api              # on this machine
    export CERTRIAGE_S3_ENDPOINT=… CERTRIAGE_S3_ACCESS_KEY=… CERTRIAGE_S3_SECRET_KEY=…
    python -m flows.deploy --name intake --workers 2           # keeps serving
    prefect deployment run certriage-intake/intake \\
        -p source=s3://intake/2026-06/ -p out=s3://reports/2026-06/ -p profile=gd-supervisor

Each run is a ``certriage-intake`` flow run whose subflow ``certriage-batch`` holds the
task runs (one per file, one per applicant, one per upload), all visible in the UI.
With ``--cron`` the deployment re-runs the same prefix on a schedule; thanks to the
content cache only new or changed files are read.
"""

from __future__ import annotations

import argparse
from typing import Any

import flows  # noqa: F401  (Prefect's environment defaults, before prefect is imported)
from flows.batch import run_flow
from pipeline.settings import RunOptions

from prefect import flow  # isort: skip


@flow(name="certriage-intake", persist_result=False, log_prints=False)
def intake_flow(source: str, out: str, profile: str = "generic", batch_date: str | None = None,
                workers: int = 2, ocr: str = "rapidocr", dpi: int = 200, work_dir: str | None = None,
                task_runner: str = "threads", dask_address: str | None = None) -> str:
    """One batch prefix through `certriage-batch` on the chosen task runner (a flow's task
    runner is fixed when it starts, so the batch flow runs as a subflow). The parameters
    are what operators give a run (``-p source=…``); the run's options are built from them
    once, here (a missing batch date is the day the run starts)."""
    given = {"source": source, "out": out, "profile": profile, "batch_date": batch_date, "workers": workers,
             "ocr": ocr, "dpi": dpi, "work_dir": work_dir, "task_runner": task_runner,
             "dask_address": dask_address}
    opts = RunOptions(**{k: v for k, v in given.items() if v is not None}, use_prefect=True, show_progress=False)
    return run_flow(opts)


def main(argv: list[str] | None = None) -> Any:
    p = argparse.ArgumentParser(prog="python -m flows.deploy", description=__doc__.split("\n")[0])
    p.add_argument("--name", default="intake", help="deployment name")
    p.add_argument("--source", default=None, help="default batch prefix (runs may override)")
    p.add_argument("--out", default=None, help="default output prefix")
    p.add_argument("--profile", default="generic")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--task-runner", choices=("threads", "processes", "dask"), default="threads")
    p.add_argument("--dask-address", default=None)
    p.add_argument("--work-dir", default=None, help="shared work dir when Dask workers run on other machines")
    p.add_argument("--cron", default=None, help='re-run on a schedule, e.g. "0 * * * *"')
    args = p.parse_args(argv)
    params: dict[str, Any] = {"profile": args.profile, "workers": args.workers,
                              "task_runner": args.task_runner, "dask_address": args.dask_address,
                              "work_dir": args.work_dir}
    params.update({k: v for k, v in (("source", args.source), ("out", args.out)) if v})
    return intake_flow.serve(name=args.name, parameters=params, cron=args.cron,
                             description="Pre-check one application batch prefix (certriage)")


if __name__ == "__main__":
    main()
