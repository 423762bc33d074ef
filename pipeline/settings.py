"""Where certriage's configuration comes from, in one place (issue 13).

`Settings` is everything read from the environment: the ``CERTRIAGE_*`` variables
(``CERTRIAGE_S3_*`` in the nested `S3Settings`) and the few standard ones certriage
honours (``XDG_DATA_HOME``, ``PREFECT_API_URL``). It is read when it is built, so build
it where the value is needed (``Settings()``), never once at import: worker processes
set ``CERTRIAGE_OCR_THREADS`` before their engine loads, and tests set variables with
monkeypatch. Each variable means exactly what it meant before this module existed; an
empty value counts as unset.

`RunOptions` is one run's options, built once by the CLI (or the deployment) and passed
whole to the flow, its tasks and the plain loop. It is frozen: nothing on the way
changes a run's options.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.urls import scheme_of


def _flag(*yes: str) -> BeforeValidator:
    """A yes/no variable read the way certriage always read it: true when its stripped,
    lower-cased value is one of `yes`, false for any other text (never an error)."""

    def parse(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower() in yes
        return value

    return BeforeValidator(parse)


def _lenient_int(value: Any) -> Any:
    """An integer variable that is not a number counts as unset (0), as before."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return value


class S3Settings(BaseSettings):
    """S3 / MinIO connection (``CERTRIAGE_S3_*``); the keys are secrets and no repr shows
    them."""

    model_config = SettingsConfigDict(env_prefix="CERTRIAGE_S3_", env_ignore_empty=True, extra="ignore",
                                      frozen=True)

    endpoint: str = "s3.amazonaws.com"  # host[:port]
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    # 1/true/yes/on for HTTPS (the default), anything else for plain HTTP.
    secure: bool = True
    region: str | None = None  # saves the client a bucket-location request
    timeout: float = 60.0  # seconds per connect / read
    retries: int = 2  # urllib3 connection retries inside one call (the flow retries more)

    @field_validator("secure", mode="before")
    @classmethod
    def _https_unless_said(cls, value: Any) -> Any:
        if isinstance(value, str):  # blank: the default; else true only for these words
            return not value.strip() or value.strip().lower() in ("1", "true", "yes", "on")
        return value

    def __repr__(self) -> str:  # the endpoint host, never the keys
        return f"S3Settings(endpoint={self.endpoint!r}, secure={self.secure}, region={self.region!r})"

    __str__ = __repr__


class Settings(BaseSettings):
    """certriage's environment. Build it when needed: ``Settings()`` reads it now."""

    model_config = SettingsConfigDict(env_prefix="CERTRIAGE_", env_ignore_empty=True, extra="ignore",
                                      frozen=True, populate_by_name=True)

    # CPU threads of the OCR engine; 0 = the engine's own choice (one per core).
    ocr_threads: Annotated[int, BeforeValidator(_lenient_int)] = 0
    # Work dirs of s3:// outputs go under it (default ~/.cache/certriage).
    cache_dir: Path | None = None
    # Prepared PaddleOCR models go under <models_dir>/paddle (default: the XDG data folder).
    models_dir: Path | None = None
    # Default reviews databases of `certriage serve` (default: the XDG data folder).
    data_dir: Path | None = None
    # The decision-confidence map: a JSON file, `off` for raw confidences, unset for the
    # packaged one.
    calibration: str = ""
    # `certriage run` without the Prefect flow (1/true/yes), as --no-prefect.
    no_prefect: Annotated[bool, _flag("1", "true", "yes")] = False
    # Standard variables, read without the prefix.
    xdg_data_home: Path | None = Field(None, validation_alias="XDG_DATA_HOME")
    prefect_api_url: str | None = Field(None, validation_alias="PREFECT_API_URL")

    @property
    def s3(self) -> S3Settings:
        """The S3 connection, read only when asked: a malformed CERTRIAGE_S3_TIMEOUT must
        fail an S3 run, not a local one."""
        return S3Settings()

    @property
    def cache_root(self) -> Path:
        return self.cache_dir or Path.home() / ".cache" / "certriage"

    @property
    def data_home(self) -> Path:
        """$XDG_DATA_HOME, else ~/.local/share."""
        return self.xdg_data_home.expanduser() if self.xdg_data_home else Path.home() / ".local" / "share"


def default_work_dir(out: str) -> Path:
    """Local work dir (cache, renders, mirror) for an output: ``<out>/.work`` for a folder;
    for an s3:// output a folder under ~/.cache/certriage (or $CERTRIAGE_CACHE_DIR)
    named after the URL, so that a re-run of the same output finds its cache."""
    if scheme_of(out) == "file":
        return Path(out) / ".work"
    return Settings().cache_root / "work" / hashlib.sha256(out.encode("utf-8")).hexdigest()[:16]


def _use_prefect() -> bool:
    """`certriage run` goes through the Prefect flow unless CERTRIAGE_NO_PREFECT=1."""
    return not Settings().no_prefect


class RunOptions(BaseModel):
    """One run's options, built once (CLI, deployment, tests) and passed whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str  # folder, .zip or s3:// prefix
    out: str  # folder or s3:// prefix
    profile: str = "generic"
    # The day date rules are judged at: today, at the moment the options are built.
    batch_date: date = Field(default_factory=lambda: date.today())
    workers: int = 1
    ocr: str = "rapidocr"
    dpi: int = 200
    # Local cache/work folder; default `default_work_dir(out)`.
    work_dir: Path
    task_runner: Literal["threads", "processes", "dask"] = "threads"
    dask_address: str | None = None
    # Through the Prefect flow unless CERTRIAGE_NO_PREFECT says otherwise.
    use_prefect: bool = Field(default_factory=_use_prefect)
    show_progress: bool = True  # a progress display on a terminal

    @field_validator("source", "out", mode="before")
    @classmethod
    def _as_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, Path) else value

    @model_validator(mode="before")
    @classmethod
    def _default_work_dir(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("work_dir") is None and data.get("out") is not None:
            data = {**data, "work_dir": default_work_dir(str(data["out"]))}
        return data
