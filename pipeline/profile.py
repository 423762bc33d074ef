"""Rule profiles: the rules of one call for applications, as data.

A profile is a YAML file (pipeline/profiles/<name>.yaml, or any path) validated by the
pydantic model below on load, so a reviewer can copy one and change a limit or a required
document without touching Python; a bad key is named in the error.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.types import DocType

PROFILE_DIR = Path(__file__).with_name("profiles")
TitleLevel = Literal["初级", "中级", "副高级", "正高级"]


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the bad key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhotoRule(_Strict):
    format: Literal["小一寸", "一寸", "二寸"] | None = None
    background: Literal["white", "blue", "red", "any"] = "white"
    color: bool = True
    max_bytes: int | None = None


class QualificationRule(_Strict):
    """At least one of: a skill certificate of this level or higher (1 is the highest),
    or a title of this level or higher."""

    skill_level_max: int | None = Field(default=None, ge=1, le=5)
    title_level_min: TitleLevel | None = None


class ExaminerCardRule(_Strict):
    required: bool = False
    warn_if_absent: bool = False
    min_held_years: float | None = None


class RosterRule(_Strict):
    required_columns: list[str] = Field(default_factory=lambda: ["姓名", "身份证号"])
    # The notice's summary table queue.xlsx follows (pipeline.summary_table): seed 001
    # 附件3 or 附件5; None: the contract's roster columns (the filing columns for
    # organisations).
    table: Literal["附件3", "附件5"] | None = None


class OrgRule(_Strict):
    region_prefix: str | None = None  # USCC administrative division code prefix, e.g. "44"
    excluded_type_codes: list[str] = Field(default_factory=list)  # e.g. ["11"] government bodies
    warn_type_codes: list[str] = Field(default_factory=list)  # e.g. ["12"] public institutions


class Profile(_Strict):
    name: str
    title: str
    source: str | None = None  # the notice in shared/seeds it is drawn from
    subject: Literal["person", "organisation"] = "person"
    required: list[list[DocType]] = Field(default_factory=list)  # each entry: any one of these types
    optional: list[DocType] = Field(default_factory=list)
    sealed: list[DocType] = Field(default_factory=list)
    photo: PhotoRule | None = None
    qualification: QualificationRule | None = None
    age_max: int | None = None
    min_work_years: float | None = None
    work_summary_min_chars: int | None = None
    max_occupations: int | None = None
    examiner_card: ExaminerCardRule = ExaminerCardRule()
    roster: RosterRule = RosterRule()
    org: OrgRule | None = None

    @field_validator("required", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        """`- photo` and `- [diploma, degree]` both mean one requirement."""
        if isinstance(v, list):
            return [x if isinstance(x, list) else [x] for x in v]
        return v

    @property
    def summary(self) -> str:
        req = "; ".join("/".join(t.value for t in alts) for alts in self.required) or "none"
        return f"{self.title} (required: {req})"


def _format_error(path: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    return f"profile {path}: " + "; ".join(parts)


def load_profile_file(path: Path) -> Profile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"profile {path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"profile {path}: expected a mapping at the top level")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_error(Path(path), exc)) from exc


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


@functools.cache
def load_profile(name_or_path: str) -> Profile:
    """A bundled profile by name, or a profile file by path."""
    bundled = PROFILE_DIR / f"{name_or_path}.yaml"
    if bundled.is_file():
        return load_profile_file(bundled)
    path = Path(name_or_path)
    if path.is_file():
        return load_profile_file(path)
    raise ProfileError(f"unknown profile {name_or_path!r}; known: {', '.join(profile_names())}, or a path to a YAML file")
