"""Calibrated decision confidence: the decision rule's raw confidence mapped to the chance
that the decision is right, one monotone map per decision kind (pass, review, reject).

The raw confidence of `pipeline.decide` orders applicants well but is not a probability
(on independent batches decisions given 0.9-1.0 were right about 55 % of the time). The
maps are data, `pipeline/calibration.json`, fitted by `bench/calibrate.py` on generated
batches (variety on, injected defects) with isotonic regression, every block shrunk
toward its kind's base rate by how few samples it holds. At run time they are applied by
linear interpolation between breakpoints, flat beyond the ends; nothing is fitted here
and scikit-learn is not needed.

`CERTRIAGE_CALIBRATION` names another map file, or `off` to report raw confidences (the
fit script collects raw confidences that way).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.settings import Settings

DEFAULT_PATH = Path(__file__).with_name("calibration.json")
KINDS = ("pass", "review", "reject")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any] | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("maps"), dict) else None


def active_table() -> dict[str, Any] | None:
    """The map in force: CERTRIAGE_CALIBRATION's file, none when it says `off`, else the
    packaged calibration.json (none when it is absent or unreadable)."""
    where = Settings().calibration.strip()
    if where.lower() in ("off", "none", "raw", "0"):
        return None
    return _load(where or str(DEFAULT_PATH))


def apply_map(table: dict[str, Any] | None, kind: str, raw: float) -> float:
    """The calibrated confidence of a `kind` decision with raw confidence `raw`; the raw
    value itself where the table has no map for that kind."""
    m = (table or {}).get("maps", {}).get(kind)
    if not m or not m.get("x"):
        return float(raw)
    x = np.asarray(m["x"], float)
    y = np.asarray(m["y"], float)
    return float(np.clip(np.interp(raw, x, y), 0.0, 1.0))


def calibrate(kind: str, raw: float) -> float:
    """`apply_map` with the map in force."""
    return apply_map(active_table(), kind, raw)
