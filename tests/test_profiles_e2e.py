"""Every profile of the contract on generated applicants, through the whole pipeline:
one clean applicant that must not be flagged, and one applicant per rule of the profile
that must be flagged with the rule's finding code. The rules common to every profile
(identity cross-checks, roster words, duplicates, expiry) are exercised once, on
sc-examiner; each profile then gets its own rules (documents, level, summary, age,
work years). The rules' applicants upload text-layer PDFs (`_text_layer`); the clean
ones images and scans, read by OCR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.samples.defects import PAIR_KINDS, applies, inject, profile_kinds
from pipeline.samples.generator import plan_batch, render_batch
from pipeline.samples.packaging import unique_names

PROFILES = ("generic", "gd-supervisor", "sc-examiner", "sc-senior-examiner", "sc-supervisor",
            "ah-examiner", "gz-expert", "gd-org-filing")
COMMON = {"wrong_name", "id_digit", "bad_check_digit", "roster_birth_date", "roster_gender",
          "roster_abbreviation", "duplicate_id", "id_card_expired"}


def _kinds(profile: str) -> list[str]:
    kinds = profile_kinds(profile)
    return kinds if profile == "sc-examiner" else [k for k in kinds if k not in COMMON]


def _plan(profile: str, root: Path) -> dict:
    """A batch with each of the profile's defects on its own applicant, and clean ones."""
    from pipeline.profile import load_profile

    kinds = _kinds(profile)
    spec = plan_batch(len(kinds) + 2, seed=17, profile=profile, packagings="image,scanned_pdf,text_pdf")
    # Clean applicants: whatever the plan gave them (images and scans: the OCR path).
    prof = load_profile(profile)
    free = list(range(len(spec.applicants)))
    for kind in kinds:
        idx = next((i for i in free if applies(kind, spec.applicants[i], prof)), None)
        assert idx is not None, f"no applicant can carry {kind} in {profile}"
        free.remove(idx)
        partner = None
        if kind in PAIR_KINDS:
            partner = free.pop(0)
        inject(spec, idx, kind, partner=partner)
        for i in (idx, partner):
            if i is not None:
                _text_layer(spec.applicants[i])
    return render_batch(spec, root)


def _text_layer(applicant) -> None:
    """A rule's applicant uploads PDFs with a text layer: the rule is what is tested, and the
    OCR path is the clean applicants' (and every other end-to-end test's); it keeps this
    module at half its CI time. The ID photo stays the JPEG it always is."""
    for plan in applicant.files:
        if any(applicant.docs[i].doc_type == "photo" for i in plan.docs):
            continue
        plan.packaging, plan.fmt, plan.rotation, plan.exif, plan.grey = "text_pdf", "pdf", 0, False, False
        plan.options = {}
        plan.name = plan.name.rsplit(".", 1)[0] + ".pdf"
    unique_names(applicant.files)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.slow
def test_profile_rules_on_generated_applicants(profile: str, tmp_path: Path) -> None:
    truth = _plan(profile, tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "batch"), "--profile", profile, "--out", str(out),
                 "--batch-date", truth["batch_date"]]) == 0
    report = {a["key"]: a for a in json.loads((out / "report.json").read_text(encoding="utf-8"))["applicants"]}
    clean = 0
    for a in truth["applicants"]:
        got = report[a["key"]]
        codes = {f["code"] for f in got["findings"]}
        expected = {e["code"] for e in a["expected_findings"]}
        if expected:
            assert expected <= codes, (a["key"], expected, sorted(codes))
            assert got["decision"] != "pass", (a["key"], got["decision"])
        else:
            clean += 1
            errors = [(f["code"], f["message"]) for f in got["findings"] if f["severity"] == "error"]
            assert not errors, (a["key"], errors)
            assert got["decision"] != "reject", a["key"]
    assert clean >= 1
