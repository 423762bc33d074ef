"""Independent random streams of the generator: each variant of each applicant draws
from its own, so turning one variant on changes no other draw in the batch."""

from __future__ import annotations

import random


def variety_rng(seed: int | str, key: str, what: str) -> random.Random:
    """The rng of one variant of one applicant (independent of every other draw)."""
    return random.Random(f"certriage-variety:{seed}:{key}:{what}")
