"""The plan of a generated batch before anything is drawn: one spec per applicant, edited
by defect injection (pipeline.samples.defects, .forgery) and written by the generator.
Below all of them, so none has to import the generator for its types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.samples.documents import DocSpec
from pipeline.samples.packaging import FilePlan
from pipeline.samples.people import Person


@dataclass
class ApplicantSpec:
    """Everything about one applicant folder before it is written; edit it to inject defects."""

    index: int
    key: str
    person: Person
    docs: list[DocSpec]
    files: list[FilePlan]
    roster: dict[str, Any]
    expected_findings: list[dict[str, Any]] = field(default_factory=list)
    org_filing: bool = False
    # Documents drawn the way other issuers make them (label wordings of the notices' forms,
    # merged PDFs and long images, traditional-looking text, wrapped values, seal inks...):
    # each variant draws from its own rng stream (`variety_rng`), so turning variety on
    # changes nothing else in the batch.
    variety: bool = False


@dataclass
class BatchSpec:
    seed: int
    profile: str
    applicants: list[ApplicantSpec]
    defect_rate: float = 0.0  # share of applicants given one defect (pipeline.samples.defects)
    defect_family: str = "rules"  # which defects are dealt: rules | forgery | all (defects.profile_kinds)
    variety: bool = False  # see ApplicantSpec.variety
