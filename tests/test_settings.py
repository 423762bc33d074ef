"""One settings object (issue 13): every environment variable certriage read before
`pipeline.settings` existed maps onto `Settings` with its old meaning, and one frozen
`RunOptions`, built once by the CLI, reaches the run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline import settings as settings_mod
from pipeline.settings import RunOptions, S3Settings, Settings, default_work_dir

ALL_VARS = ("CERTRIAGE_S3_ENDPOINT", "CERTRIAGE_S3_ACCESS_KEY", "CERTRIAGE_S3_SECRET_KEY", "CERTRIAGE_S3_SECURE",
            "CERTRIAGE_S3_REGION", "CERTRIAGE_S3_TIMEOUT", "CERTRIAGE_S3_RETRIES", "CERTRIAGE_OCR_THREADS",
            "CERTRIAGE_CACHE_DIR", "CERTRIAGE_MODELS_DIR", "CERTRIAGE_DATA_DIR", "CERTRIAGE_CALIBRATION",
            "CERTRIAGE_NO_PREFECT", "XDG_DATA_HOME", "PREFECT_API_URL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_without_environment(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.s3 == S3Settings(endpoint="s3.amazonaws.com", secure=True, timeout=60.0, retries=2)
    assert s.s3.access_key is None and s.s3.secret_key is None and s.s3.region is None
    assert (s.ocr_threads, s.cache_dir, s.models_dir, s.data_dir) == (0, None, None, None)
    assert (s.calibration, s.no_prefect, s.prefect_api_url) == ("", False, None)
    assert s.cache_root == Path.home() / ".cache" / "certriage"
    assert s.data_home == Path.home() / ".local" / "share"


def test_every_variable_maps_to_its_setting(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {"CERTRIAGE_S3_ENDPOINT": "minio.internal:9000", "CERTRIAGE_S3_ACCESS_KEY": "AKIA-never-shown",
           "CERTRIAGE_S3_SECRET_KEY": "secret-never-shown", "CERTRIAGE_S3_SECURE": "false",
           "CERTRIAGE_S3_REGION": "cn-south-1", "CERTRIAGE_S3_TIMEOUT": "7.5", "CERTRIAGE_S3_RETRIES": "0",
           "CERTRIAGE_OCR_THREADS": "3", "CERTRIAGE_CACHE_DIR": str(tmp_path / "cache"),
           "CERTRIAGE_MODELS_DIR": str(tmp_path / "models"), "CERTRIAGE_DATA_DIR": str(tmp_path / "data"),
           "CERTRIAGE_CALIBRATION": "off", "CERTRIAGE_NO_PREFECT": "1",
           "XDG_DATA_HOME": str(tmp_path / "xdg"), "PREFECT_API_URL": "http://a:4200/api"}
    for k, v in env.items():
        clean_env.setenv(k, v)
    s = Settings()
    assert s.s3.endpoint == "minio.internal:9000"
    assert s.s3.access_key is not None and s.s3.access_key.get_secret_value() == "AKIA-never-shown"
    assert s.s3.secret_key is not None and s.s3.secret_key.get_secret_value() == "secret-never-shown"
    assert (s.s3.secure, s.s3.region, s.s3.timeout, s.s3.retries) == (False, "cn-south-1", 7.5, 0)
    assert s.ocr_threads == 3
    assert (s.cache_dir, s.models_dir, s.data_dir) == (tmp_path / "cache", tmp_path / "models", tmp_path / "data")
    assert (s.calibration, s.no_prefect) == ("off", True)
    assert s.data_home == tmp_path / "xdg" and s.prefect_api_url == "http://a:4200/api"
    for shown in (repr(s), str(s), repr(s.s3), str(s.s3), s.model_dump_json()):
        assert "never-shown" not in shown


def test_variables_keep_their_old_meanings(clean_env: pytest.MonkeyPatch) -> None:
    """Empty means unset; a non-number OCR thread count means 0; the yes-words of each
    flag are the ones certriage always accepted, and any other word is no, never an error."""
    for name in ("CERTRIAGE_S3_ENDPOINT", "CERTRIAGE_S3_REGION", "CERTRIAGE_S3_SECURE", "CERTRIAGE_CALIBRATION"):
        clean_env.setenv(name, "")
    s = Settings()
    assert (s.s3.endpoint, s.s3.region, s.s3.secure, s.calibration) == ("s3.amazonaws.com", None, True, "")
    for value, secure in (("1", True), ("TRUE", True), ("yes", True), ("on", True), (" ", True),
                          ("0", False), ("off", False), ("no", False), ("nonsense", False)):
        clean_env.setenv("CERTRIAGE_S3_SECURE", value)
        assert Settings().s3.secure is secure, value
    for value, off in (("1", True), (" True ", True), ("yes", True), ("on", False), ("0", False), ("", False)):
        clean_env.setenv("CERTRIAGE_NO_PREFECT", value)
        assert Settings().no_prefect is off, value
    for value, threads in (("4", 4), ("", 0), ("four", 0)):
        clean_env.setenv("CERTRIAGE_OCR_THREADS", value)
        assert Settings().ocr_threads == threads, value


def test_a_malformed_s3_variable_fails_s3_use_only(clean_env: pytest.MonkeyPatch) -> None:
    """A local run never touches S3, so a bad CERTRIAGE_S3_TIMEOUT must not stop it; S3 use
    still fails on it, loudly."""
    from pydantic import ValidationError

    clean_env.setenv("CERTRIAGE_S3_TIMEOUT", "soon")
    clean_env.setenv("CERTRIAGE_OCR_THREADS", "3")
    s = Settings()
    assert s.ocr_threads == 3
    with pytest.raises(ValidationError):
        _ = s.s3


def test_settings_are_read_when_built(clean_env: pytest.MonkeyPatch) -> None:
    """Worker processes set CERTRIAGE_OCR_THREADS before their engine loads: the engine's
    options must see it, so nothing caches the environment at import."""
    from models.rapidocr_engine import RapidOcrOptions

    clean_env.setenv("CERTRIAGE_OCR_THREADS", "2")
    assert RapidOcrOptions().threads == 2
    clean_env.setenv("CERTRIAGE_OCR_THREADS", "5")
    assert RapidOcrOptions().threads == 5


def test_the_readers_use_the_settings(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from models.paddle_prepare import default_models_dir
    from pipeline.calibration import active_table
    from pipeline.storage.s3 import S3Store
    from pipeline.web.db import data_dir

    clean_env.setenv("CERTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    assert default_work_dir("s3://b/out/").parent == tmp_path / "cache" / "work"
    assert default_work_dir(str(tmp_path / "out")) == tmp_path / "out" / ".work"
    clean_env.setenv("CERTRIAGE_MODELS_DIR", str(tmp_path / "m"))
    assert default_models_dir() == tmp_path / "m" / "paddle"
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "certriage"
    clean_env.setenv("CERTRIAGE_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    clean_env.setenv("CERTRIAGE_CALIBRATION", "off")
    assert active_table() is None
    clean_env.setenv("CERTRIAGE_S3_ENDPOINT", "127.0.0.1:9")
    clean_env.setenv("CERTRIAGE_S3_SECURE", "0")
    store = S3Store("bucket", "p/")  # builds its client; connects to nothing yet
    assert (store.settings.endpoint, store.settings.secure) == ("127.0.0.1:9", False)


def test_run_options_are_frozen(tmp_path: Path) -> None:
    opts = RunOptions(source="batch", out=str(tmp_path / "out"), profile="gd-supervisor")
    with pytest.raises(ValidationError):
        opts.profile = "generic"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        RunOptions(source="batch", out="out", no_such_option=1)  # type: ignore[call-arg]
    assert opts.work_dir == tmp_path / "out" / ".work"
    assert RunOptions(source=Path("b"), out=Path("o")).source == "b"  # type: ignore[arg-type]


def test_run_options_batch_date_is_today_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old `batch_date: date = date.today()` was the day the module was imported: a
    long-running server (the deployment) judged every later batch at that day."""
    assert RunOptions(source="b", out="o").batch_date == date.today()

    class Clock(date):
        day = date(2031, 1, 2)

        @classmethod
        def today(cls) -> date:
            return cls.day

    monkeypatch.setattr(settings_mod, "date", Clock)
    assert RunOptions(source="b", out="o").batch_date == date(2031, 1, 2)
    Clock.day = date(2031, 1, 3)  # the next day, same process
    assert RunOptions(source="b", out="o").batch_date == date(2031, 1, 3)
    assert RunOptions(source="b", out="o", batch_date="2024-12-01").batch_date == date(2024, 12, 1)


def test_run_options_use_prefect_follows_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    assert RunOptions(source="b", out="o").use_prefect is True
    clean_env.setenv("CERTRIAGE_NO_PREFECT", "yes")
    assert RunOptions(source="b", out="o").use_prefect is False
    assert RunOptions(source="b", out="o", use_prefect=True).use_prefect is True


def test_cli_builds_the_run_options_once(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pipeline.cli import build_parser, run_options

    out = str(tmp_path / "out")
    opts = run_options(build_parser().parse_args(["run", "b", "--out", out]))
    assert (opts.source, opts.out, opts.profile, opts.batch_date) == ("b", out, "generic", date.today())
    assert (opts.workers, opts.ocr, opts.dpi, opts.task_runner, opts.dask_address) == (1, "rapidocr", 200,
                                                                                       "threads", None)
    assert opts.work_dir == tmp_path / "out" / ".work" and opts.use_prefect is True
    opts = run_options(build_parser().parse_args(
        ["run", "b", "--out", out, "--profile", "gd-supervisor", "--batch-date", "2024-12-01", "--workers", "3",
         "--dpi", "150", "--work-dir", str(tmp_path / "w"), "--task-runner", "processes", "--no-prefect"]))
    assert (opts.profile, opts.batch_date, opts.workers, opts.dpi) == ("gd-supervisor", date(2024, 12, 1), 3, 150)
    assert (opts.work_dir, opts.task_runner, opts.use_prefect) == (tmp_path / "w", "processes", False)


@pytest.mark.slow
def test_real_cli_run_honours_its_options(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`certriage run` end to end on a one-applicant batch: CERTRIAGE_NO_PREFECT=1 takes the
    plain loop (the flow is never started), and --batch-date and --profile reach the report."""
    import flows.batch
    from pipeline.cli import main
    from pipeline.samples.generator import generate_batch

    def no_flow(*args: object, **kwargs: object) -> None:
        raise AssertionError("CERTRIAGE_NO_PREFECT=1 must not start the Prefect flow")

    clean_env.setattr(flows.batch, "run_flow", no_flow)
    clean_env.setenv("CERTRIAGE_NO_PREFECT", "1")
    generate_batch(tmp_path, n_applicants=1, seed=5, profile="gd-supervisor", packagings="text_pdf")
    out = tmp_path / "out"
    rc = main(["run", str(tmp_path / "batch"), "--out", str(out), "--profile", "gd-supervisor",
               "--batch-date", "2024-12-01"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["batch_date"], report["profile"]) == ("2024-12-01", "gd-supervisor")
    assert report["stats"]["applicants"] == 1
    assert (out / ".work" / "cache").is_dir()  # the default work dir, <out>/.work


def test_deployment_builds_the_run_options_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The deployment's parameters stay what operators type (`-p source=…`); the flow
    builds the frozen options from them, dated the day the run starts."""
    import flows.deploy

    seen: list[RunOptions] = []
    monkeypatch.setattr(flows.deploy, "run_flow", lambda opts: seen.append(opts) or "done")
    out = str(tmp_path / "out")
    assert flows.deploy.intake_flow.fn(source="s3://in/2026-06/", out=out, profile="gd-supervisor") == "done"
    (opts,) = seen
    assert (opts.source, opts.out, opts.profile, opts.workers, opts.batch_date) == (
        "s3://in/2026-06/", out, "gd-supervisor", 2, date.today())
    assert opts.use_prefect and not opts.show_progress and opts.work_dir == tmp_path / "out" / ".work"
    flows.deploy.intake_flow.fn(source="s", out=out, batch_date="2024-12-01", work_dir=str(tmp_path / "w"),
                                task_runner="processes")
    assert (seen[1].batch_date, seen[1].work_dir, seen[1].task_runner) == (date(2024, 12, 1), tmp_path / "w",
                                                                            "processes")
