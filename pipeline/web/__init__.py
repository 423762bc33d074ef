"""The reviewers' web UI (`certriage serve`): queue, applicant pages, decisions, export.

Optional at run time: the pipeline works without FastAPI installed. `create_app` is
imported lazily by the CLI; report.html borrows `pipeline.web.data.comparison` (pure
Python, no FastAPI) for its roster-vs-documents table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(out_url: str, db_url: str | None = None, **kwargs: Any) -> FastAPI:
    """See `pipeline.web.app.create_app`."""
    from pipeline.web.app import create_app as _create

    return _create(out_url, db_url, **kwargs)


__all__ = ["create_app"]
