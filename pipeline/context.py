"""What a check sees: one applicant's documents with their fields, the profile, the batch
date and the applicant's roster row. Checks are plain functions of it returning findings;
batch checks (duplicates, roster pairing) see every applicant at once.

These are pipeline data (the runner and the roster reader build them), so they live in
pipeline/, and validators/ imports them from here, never the other way round."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.profile import Profile
from pipeline.types import BatchFile, DocType, Document, Finding, Page


class RosterRow(BaseModel):
    """One data row of the roster (汇总表) as the applicant declared it."""

    row: int  # 1-based row number in the sheet, header = 1
    values: dict[str, str] = Field(default_factory=dict)  # column header -> cell text ("" when empty)
    raw: dict[str, Any] = Field(default_factory=dict)  # cell values as read (dates may be datetime)
    folder: str | None = None  # the applicant folder it was paired with


class Roster(BaseModel):
    path: str
    columns: list[str] = Field(default_factory=list)
    rows: list[RosterRow] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # unreadable file, broken header, ...


class ApplicantContext(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    key: str
    documents: list[Document] = Field(default_factory=list)
    files: list[BatchFile] = Field(default_factory=list)
    profile: Profile
    batch_date: date
    roster_row: RosterRow | None = None
    pages: list[Page] = Field(default_factory=list)  # upright page images, for image checks
    # ID cards of another applicant filed in this folder: document ref -> that applicant's
    # key (pipeline.identity.foreign_cards). Their fields are nobody's here: checks skip them.
    foreign: dict[str, str] = Field(default_factory=dict)

    def page(self, file: str, number: int) -> Page | None:
        """The rendered page a document lies on (its image_path is an upright PNG)."""
        return next((p for p in self.pages if p.file == file and p.number == number), None)

    def of_type(self, *types: DocType) -> list[Document]:
        return [d for d in self.documents if d.type in types]
