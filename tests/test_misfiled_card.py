"""Another applicant's ID card filed in a folder, through the real OCR: one root-cause
finding naming whose card it is, the queue showing the identity the folder's papers
agree on, and nothing charged to the card's real owner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.samples.defects import inject
from pipeline.samples.generator import plan_batch, render_batch

IDENTITY_CODES = {"NAME_MISMATCH", "ID_NUMBER_MISMATCH", "BIRTH_DATE_MISMATCH", "GENDER_MISMATCH",
                  "DUPLICATE_ID_IN_BATCH"}


@pytest.mark.slow
def test_misfiled_id_card_end_to_end(tmp_path: Path) -> None:
    spec = plan_batch(3, seed=31, profile="sc-examiner", packagings="image")
    inject(spec, 0, "misfiled_id_card", partner=1)
    truth = render_batch(spec, tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "batch"), "--profile", "sc-examiner", "--out", str(out),
                 "--batch-date", truth["batch_date"], "--no-prefect"]) == 0
    report = {a["key"]: a for a in json.loads((out / "report.json").read_text(encoding="utf-8"))["applicants"]}
    holder, owner = truth["applicants"][0], truth["applicants"][1]
    got = report[holder["key"]]
    ident = [f for f in got["findings"] if f["code"] in IDENTITY_CODES]
    assert len(ident) == 1, [(f["code"], f["message"]) for f in ident]
    assert ident[0]["code"] == "ID_NUMBER_MISMATCH" and ident[0]["severity"] == "error"
    assert f"上是 {owner['key']} 的身份证（疑似放错文件夹）" in ident[0]["message"]
    assert got["decision"] != "pass"
    person = spec.applicants[0].person
    assert got["identity"]["id_number"] == person.id_number
    assert got["identity"]["name"] == person.name
    assert got["identity"]["birth_date"] == person.birth_date.isoformat()
    theirs = report[owner["key"]]
    assert not [f for f in theirs["findings"] if f["code"] in IDENTITY_CODES], theirs["findings"]
    assert theirs["identity"]["id_number"] == spec.applicants[1].person.id_number
