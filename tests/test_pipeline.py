"""End to end: generated batches through `certriage run` with the real OCR models."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipeline.cli import main
from pipeline.samples.score import score_types


def _without_timings(report: dict[str, Any]) -> dict[str, Any]:
    r = json.loads(json.dumps(report))
    r["stats"].pop("seconds", None)
    r["stats"].pop("ocr_seconds", None)
    return r


def test_run_accounts_for_every_file_and_page(sample_run: dict, schema: dict) -> None:
    report, truth = sample_run["report"], sample_run["truth"]
    assert sample_run["rc"] == 0
    jsonschema.validate(report, schema)
    assert [a["key"] for a in report["applicants"]] == sorted(a["key"] for a in truth["applicants"])
    n_files = sum(len(a["files"]) for a in truth["applicants"])
    assert report["stats"]["files"] == n_files
    assert report["stats"]["pages"] == sum(f["pages"] for a in truth["applicants"] for f in a["files"])
    s = score_types(report, truth)
    assert s.files_missing == [] and s.pages_missing == []
    assert s.accuracy >= 0.9, (s.accuracy, s.confusion)
    assert s.precision >= 0.9, (s.precision, s.confusion)
    packagings = {f["packaging"] for a in truth["applicants"] for f in a["files"]}
    assert {"long_image", "id_both_sides", "text_pdf", "merged_pdf", "phone_photo"} <= packagings
    # Each applicant's roster row travels with it (for the web UI's side-by-side view).
    for a in report["applicants"]:
        assert a["roster"]["材料目录"] == a["key"] or a["roster"]["姓名"] in a["key"], a.get("roster")


def test_clean_applicants_pass_and_planted_defects_are_flagged(sample_run: dict) -> None:
    report = sample_run["report"]
    by_key = {a["key"]: a for a in report["applicants"]}
    truth = sample_run["truth"]["applicants"]
    clean = [a["key"] for a in truth if not a["expected_findings"]]
    planted = [a for a in truth if a["expected_findings"]]
    assert len(planted) >= 2 and len(clean) >= 4
    # A clean applicant sent to review is a false alarm: at most one in the batch.
    alarms = [(k, [f["code"] for f in by_key[k]["findings"]]) for k in clean if by_key[k]["decision"] != "pass"]
    assert len(alarms) <= 1, alarms
    for a in planted:
        got = by_key[a["key"]]
        assert got["decision"] != "pass", (a["key"], a["expected_findings"])
        codes = {f["code"] for f in got["findings"]}
        assert {e["code"] for e in a["expected_findings"]} <= codes, (a["key"], codes)


def test_queue_files_list_every_applicant(sample_run: dict) -> None:
    out: Path = sample_run["out"]
    with open(out / "queue.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["材料目录"] for r in rows} == {a["key"] for a in sample_run["report"]["applicants"]}
    html = (out / "report.html").read_text(encoding="utf-8")
    for a in sample_run["truth"]["applicants"]:
        for f in a["files"]:
            assert Path(f["path"]).name in html
    assert (out / "queue.xlsx").stat().st_size > 0


def test_rotated_uploads_are_turned_upright(sample_run: dict) -> None:
    from pipeline.ingest import ingest
    from pipeline.runner import process_file

    root: Path = sample_run["root"]
    work = sample_run["out"] / ".work"
    batch = ingest(root / "batch", work / "batch")
    files = {f.rel_path: f for a in batch.applicants for f in a.files}
    rotated = [f for a in sample_run["truth"]["applicants"] for f in a["files"]
               if f.get("rotation_after_exif", f.get("rotation", 0))]
    assert rotated, "the sample batch should hold rotated uploads"
    for f in rotated:
        result = process_file(files[f["path"]], work)  # from the cache of the run
        expected = (360 - f["rotation_after_exif"]) % 360
        assert result.pages[0].rotation == expected, f["path"]


def test_rerun_reuses_cache_and_gives_the_same_report(sample_run: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import models.ocr

    def no_ocr(*args: object, **kwargs: object) -> None:
        raise AssertionError("a re-run must not load or call the OCR engine")

    monkeypatch.setattr(models.ocr, "get_engine", no_ocr)
    rc = main(["run", str(sample_run["root"] / "batch"), "--profile", "gd-supervisor",
               "--out", str(sample_run["out"]), "--batch-date", sample_run["truth"]["batch_date"]])
    assert rc == 0
    again = json.loads((sample_run["out"] / "report.json").read_text(encoding="utf-8"))
    assert _without_timings(again) == _without_timings(sample_run["report"])


@pytest.mark.slow
def test_hostile_batch_finishes_with_one_finding_per_bad_file(tmp_path: Path, schema: dict) -> None:
    from pipeline.samples.hostile import generate_hostile_batch

    truth = generate_hostile_batch(tmp_path / "h")
    for source in (truth["folder"], truth["zip"]):
        out = tmp_path / f"out-{Path(source).name}"
        assert main(["run", str(source), "--out", str(out)]) == 0
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        jsonschema.validate(report, schema)
        findings = [f for a in report["applicants"] for f in a["findings"] if f["code"] == "DOC_UNREADABLE"]
        docs = {d["file"] for a in report["applicants"] for d in a["documents"]}
        for path, expect in truth["files"].items():
            hits = [f for f in findings if any(ref.startswith(path + "#") for ref in f.get("documents", []))]
            if expect.get("ok"):
                assert path in docs and not hits, path
            else:
                assert len(hits) == 1, (path, hits)
        assert {s["path"] for s in report["skipped"]} >= set(truth["skipped"])
        # A readable file whose name lies about its type is read by content and named.
        lies = {ref.split("#")[0] for a in report["applicants"] for f in a["findings"]
                if f["code"] == "FILE_TYPE_MISMATCH" for ref in f["documents"]}
        assert lies == {p for p, e in truth["files"].items() if e.get("ok") and p.endswith("其实是PDF.jpg")}
        assert lies


@pytest.mark.slow
def test_zip_slip_entries_are_refused(tmp_path: Path) -> None:
    from pipeline.samples.hostile import generate_hostile_batch

    truth = generate_hostile_batch(tmp_path / "h")
    out = tmp_path / "out"
    assert main(["run", str(truth["zipslip"]), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    refused = " ".join(json.dumps(f, ensure_ascii=False) for f in report["findings"])
    for name in truth["zipslip_refused"]:
        assert name in refused, name
    for outside in truth["zipslip_outside"]:
        assert not Path(outside).exists(), outside
    docs = {d["file"] for a in report["applicants"] for d in a["documents"]}
    assert set(truth["zipslip_files"]) <= docs


@pytest.mark.slow
def test_a_batch_that_cannot_be_processed_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("certriage:") and len(err.splitlines()) == 1


@pytest.mark.slow
def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--applicants", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 applicants" in out
    assert (tmp_path / "demo" / "out" / "report.html").is_file()
    assert (tmp_path / "demo" / "truth.json").is_file()
    # The demo shows what certriage catches: one applicant was broken on purpose.
    assert "002_" in out.split("problems planted on purpose", 1)[1]
    report = json.loads((tmp_path / "demo" / "out" / "report.json").read_text(encoding="utf-8"))
    second = next(a for a in report["applicants"] if a["key"].startswith("002_"))
    assert "NAME_MISMATCH" in {f["code"] for f in second["findings"]}, second["findings"]


def test_paddleocr_engine_end_to_end(sample_run: dict, tmp_path: Path, schema: dict) -> None:
    pytest.importorskip("paddleocr", reason="the paddle extra is not installed")
    truth = sample_run["truth"]
    first = truth["applicants"][0]
    batch = tmp_path / "batch"
    shutil.copytree(sample_run["root"] / "batch" / first["key"], batch / first["key"])
    out = tmp_path / "out"
    assert main(["run", str(batch), "--out", str(out), "--ocr", "paddleocr",
                 "--profile", "gd-supervisor", "--batch-date", truth["batch_date"]]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    s = score_types(report, {"applicants": [first]})
    assert s.files_missing == [] and s.accuracy >= 0.8, (s.accuracy, s.confusion)


@pytest.mark.slow
def test_worker_processes_give_the_same_report(tmp_path: Path) -> None:
    from pipeline.samples.hostile import generate_hostile_batch

    truth = generate_hostile_batch(tmp_path / "h")
    reports = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        assert main(["run", str(truth["folder"]), "--out", str(out), "--workers", str(workers)]) == 0
        reports.append(_without_timings(json.loads((out / "report.json").read_text(encoding="utf-8"))))
    assert reports[0] == reports[1]
    assert any(d for a in reports[1]["applicants"] for d in a["documents"])


@pytest.mark.slow
def test_rerun_from_another_folder_finds_the_cached_page_images(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The content cache stores page images relative to the work dir: a re-run that
    reaches the same output by another relative path (another working directory, a
    cron job, another mount) still runs the photo checks on the cached pages, and a check
    that cannot see its pages says so (issue 12, item 1)."""
    from pipeline.samples.generator import generate_batch

    truth = generate_batch(tmp_path / "gen", n_applicants=1, seed=5, profile="generic", packagings="image")
    monkeypatch.chdir(tmp_path)
    args = ["--profile", "generic", "--batch-date", truth["batch_date"], "--no-prefect"]
    assert main(["run", "gen/batch", "--out", "x/out", *args]) == 0
    first = json.loads((tmp_path / "x/out/report.json").read_text(encoding="utf-8"))
    cached = sorted((tmp_path / "x/out/.work/cache").rglob("*.json"))
    monkeypatch.chdir(tmp_path / "x")
    assert main(["run", "../gen/batch", "--out", "out", *args]) == 0
    second = json.loads((tmp_path / "x/out/report.json").read_text(encoding="utf-8"))
    assert sorted((tmp_path / "x/out/.work/cache").rglob("*.json")) == cached  # all from the cache
    [a1], [a2] = first["applicants"], second["applicants"]
    assert a1["photo"] and a1["photo"]["faces"] == 1
    assert a2["photo"] == a1["photo"]
    assert "CHECK_FAILED" not in [f["code"] for f in a2["findings"]]
    for p in a2["pages"]:
        assert (tmp_path / "x/out" / p["image"]).is_file()
    # Page images gone (a work dir copied without them): the checks say they could not run.
    for png in (tmp_path / "x/out/.work/pages").rglob("*.png"):
        png.unlink()
    assert main(["run", "../gen/batch", "--out", "out", *args]) == 0
    third = json.loads((tmp_path / "x/out/report.json").read_text(encoding="utf-8"))
    assert "CHECK_FAILED" in [f["code"] for f in third["applicants"][0]["findings"]]
