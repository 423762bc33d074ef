"""DUPLICATE_FILE_IN_BATCH on a real run: a page of one applicant re-saved (smaller,
re-compressed) into another applicant's folder is found; the clean batch, whose pages
share templates but not their people, gives no such finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PIL import Image

from pipeline.cli import main


def _codes(report: dict, code: str) -> dict[str, list[dict]]:
    return {a["key"]: [f for f in a["findings"] if f["code"] == code] for a in report["applicants"]}


def test_clean_batch_has_no_duplicate_pages(sample_run: dict) -> None:
    assert not any(_codes(sample_run["report"], "DUPLICATE_FILE_IN_BATCH").values())


def test_a_page_resaved_into_another_folder_is_found(sample_run: dict, tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(sample_run["root"] / "batch", batch)
    report = sample_run["report"]
    # A single-page image of a certificate or work certificate of the first applicant.
    donor = next(
        (a["key"], d["file"]) for a in report["applicants"] for d in a["documents"]
        if d["type"] in ("work_certificate", "skill_certificate", "diploma")
        and d["file"].lower().endswith((".jpg", ".jpeg", ".png"))
    )
    keys = sorted(a["key"] for a in report["applicants"])
    taker = next(k for k in keys if k != donor[0])
    with Image.open(batch / donor[1]) as im:
        copy = im.convert("RGB").resize((int(im.width * 0.85), int(im.height * 0.85)))
    copy.save(batch / taker / "补充材料.jpg", quality=60)
    work = tmp_path / "work"
    shutil.copytree(sample_run["out"] / ".work" / "cache", work / "cache")  # only the new file is read;
    shutil.copytree(sample_run["out"] / ".work" / "pages", work / "pages")  # cached pages come with the cache
    out = tmp_path / "out"
    rc = main(["run", str(batch), "--profile", "gd-supervisor", "--out", str(out), "--work-dir", str(work),
               "--batch-date", sample_run["truth"]["batch_date"]])
    assert rc == 0
    found = _codes(json.loads((out / "report.json").read_text(encoding="utf-8")), "DUPLICATE_FILE_IN_BATCH")
    assert sorted(k for k, v in found.items() if v) == sorted([donor[0], taker])
    mine = found[taker][0]
    assert mine["severity"] == "warning" and mine["found"] == donor[0]
    assert f"{taker}/补充材料.jpg#1" in mine["documents"] and f"{donor[1]}#1" in mine["documents"]
    assert found[donor[0]][0]["found"] == taker
    assert mine["evidence"]  # the crop of the page is shown
