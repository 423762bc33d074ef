"""Roster (汇总表) reading and pairing with applicant folders. Placeholder until issue 3."""

from __future__ import annotations

from pathlib import Path

from pipeline.profile import Profile
from pipeline.types import Finding
from validators.base import Roster, RosterRow


def load_roster(path: Path, profile: Profile) -> Roster:
    return Roster(path=str(path))


def pair_roster(roster: Roster, keys: list[str], profile: Profile) -> tuple[dict[str, RosterRow], dict[str, list[Finding]], list[Finding]]:
    """(row by folder key, findings by folder key, findings of rows without a folder)."""
    return {}, {}, []
