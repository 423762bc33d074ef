"""The applicant's identity as the report shows it: name, ID number, gender and birth date,
taken from the most trustworthy source that has each (ID card, then forms and other
documents, then the roster). Placeholder until issue 3's consistency work fills it."""

from __future__ import annotations

from typing import Any

from validators.base import ApplicantContext


def build_identity(ctx: ApplicantContext) -> dict[str, Any]:
    return {}
