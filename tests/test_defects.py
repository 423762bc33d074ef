"""Defect injection: expected findings recorded, the rendered files carry the defect,
determinism, and defect_rate=0 leaving the generator's output untouched."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline import gb11643
from pipeline.profile import load_profile
from pipeline.samples.defects import DEFECTS, inject, inject_defects, profile_kinds
from pipeline.samples.generator import (
    ROSTER_COLUMNS,
    BatchSpec,
    generate_batch,
    plan_batch,
    render_applicant,
)


@pytest.fixture(scope="module")
def sc_plan() -> BatchSpec:
    return plan_batch(12, seed=4, profile="sc-examiner")


def _fresh(spec: BatchSpec) -> BatchSpec:
    return copy.deepcopy(spec)


def _docs(spec: BatchSpec, i: int) -> list[Any]:
    a = spec.applicants[i]
    return [a.docs[j] for plan in a.files for j in plan.docs]


def _codes(spec: BatchSpec, i: int) -> list[str]:
    return [e["code"] for e in spec.applicants[i].expected_findings]


def test_kinds_follow_profile_rules() -> None:
    assert "level_too_low" not in profile_kinds("gd-supervisor")  # no qualification rule there
    assert "short_summary" not in profile_kinds("gd-supervisor")
    assert "work_years_low" in profile_kinds("gd-supervisor")
    assert {"level_too_low", "short_summary"} <= set(profile_kinds("sc-examiner"))
    assert "age_over_limit" not in profile_kinds("sc-examiner")
    assert {"level_too_low", "age_over_limit"} <= set(profile_kinds("gz-expert"))
    assert "doc_missing" not in profile_kinds("generic")  # nothing is required there
    assert profile_kinds("gd-org-filing") == ["doc_missing"]
    for name in ("generic", "gd-supervisor", "sc-examiner", "gz-expert"):
        assert set(profile_kinds(name)) <= set(DEFECTS)


def test_wrong_name_on_one_certificate(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 0, "wrong_name")
    a = spec.applicants[0]
    names = [d.fields["name"] for d in _docs(spec, 0) if "name" in d.fields]
    assert Counter(n != a.person.name for n in names)[True] == 1
    assert a.roster["姓名"] == a.person.name
    assert _codes(spec, 0) == ["NAME_MISMATCH"]
    assert a.expected_findings[0]["subject"] == "name"


def test_id_digit_valid_check_digit(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 1, "id_digit")
    a = spec.applicants[1]
    ids = [d.fields["id_number"] for d in _docs(spec, 1) if "id_number" in d.fields]
    other = [x for x in ids if x != a.person.id_number]
    assert len(other) == 1 and gb11643.is_valid(other[0])
    assert sum(x != y for x, y in zip(other[0][:17], a.person.id_number[:17], strict=True)) == 1
    assert other[0][6:14] == a.person.id_number[6:14]  # birth date part untouched
    assert _codes(spec, 1) == ["ID_NUMBER_MISMATCH"]


def test_bad_check_digit_everywhere(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 2, "bad_check_digit")
    a = spec.applicants[2]
    assert not gb11643.is_valid(a.person.id_number)
    ids = {d.fields["id_number"] for d in _docs(spec, 2) if "id_number" in d.fields}
    assert ids == {a.person.id_number} == {a.roster["身份证号"]}
    assert _codes(spec, 2) == ["ID_NUMBER_INVALID"]


def test_roster_defects(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 0, "roster_birth_date")
    inject(spec, 1, "roster_gender")
    inject(spec, 2, "roster_abbreviation")
    a0, a1, a2 = spec.applicants[:3]
    assert a0.roster["出生日期"] != a0.person.birth_date.isoformat()
    dt.date.fromisoformat(a0.roster["出生日期"])  # still yyyy-mm-dd text: only the value is off
    assert a1.roster["性别"] != a1.person.gender
    assert _codes(spec, 0) == ["BIRTH_DATE_MISMATCH"] and _codes(spec, 1) == ["GENDER_MISMATCH"]
    assert _codes(spec, 2) == ["ROSTER_VALUE_INVALID"]
    col = a2.expected_findings[0]["subject"]
    assert a2.roster[col] in ("党员", "团员", "民主党派", "无党派", "本科", "大专", "硕士")


def test_level_too_low(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 3, "level_too_low")
    for d in _docs(spec, 3):
        if d.doc_type == "skill_certificate":
            assert d.fields["skill_level"] > 3
        if d.doc_type == "title_certificate":
            assert d.fields["title_level"] == "初级"
    assert _codes(spec, 3) == ["LEVEL_INSUFFICIENT"]


def test_short_summary(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 4, "short_summary")
    summaries = [d.fields["work_summary"] for d in _docs(spec, 4) if "work_summary" in d.fields]
    assert summaries and all(0 < len(s) < 200 for s in summaries)
    assert _codes(spec, 4) == ["WORK_SUMMARY_TOO_SHORT"]


def test_doc_missing_drops_a_required_document(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 5, "doc_missing")
    a = spec.applicants[5]
    subject = a.expected_findings[0]["subject"]
    present = {d.doc_type for d in _docs(spec, 5)}
    alts = next(alts for alts in load_profile("sc-examiner").required if alts[0].value == subject)
    assert not present & {t.value for t in alts}
    assert all(plan.docs for plan in a.files)
    assert _codes(spec, 5) == ["DOC_MISSING"]


def test_duplicate_id_on_both(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 6, "duplicate_id", partner=7)
    a, b = spec.applicants[6], spec.applicants[7]
    assert a.person.id_number == b.person.id_number == b.roster["身份证号"]
    assert b.person.birth_date == a.person.birth_date and b.person.gender == a.person.gender
    assert {d.fields["id_number"] for d in _docs(spec, 7) if "id_number" in d.fields} == {a.person.id_number}
    assert _codes(spec, 6) == _codes(spec, 7) == ["DUPLICATE_ID_IN_BATCH"]


def test_id_card_expired(sc_plan: BatchSpec) -> None:
    spec = _fresh(sc_plan)
    inject(spec, 8, "id_card_expired")
    back = next(d for d in _docs(spec, 8) if d.doc_type == "id_card" and d.variant == "back")
    assert dt.date.fromisoformat(back.fields["valid_to"]) < dt.date(2026, 6, 30)
    assert _codes(spec, 8) == ["ID_CARD_EXPIRED"]


def test_age_over_limit_gz() -> None:
    spec = plan_batch(2, seed=3, profile="gz-expert")
    inject(spec, 0, "age_over_limit")
    a = spec.applicants[0]
    assert a.person.age > 65 and gb11643.is_valid(a.person.id_number)
    assert a.person.id_number[6:14] == a.person.birth_date.strftime("%Y%m%d")
    assert a.roster["出生日期"] == a.person.birth_date.isoformat()
    for d in _docs(spec, 0):
        if "id_number" in d.fields:
            assert d.fields["id_number"] == a.person.id_number
        if d.fields.get("birth_date"):
            assert a.person.birth_date.isoformat().startswith(d.fields["birth_date"])
    assert _codes(spec, 0) == ["AGE_LIMIT"]


@pytest.mark.slow
def test_rate_spreads_kinds_and_is_deterministic() -> None:
    s1 = plan_batch(15, seed=9, profile="sc-examiner", defect_rate=0.4)
    s2 = plan_batch(15, seed=9, profile="sc-examiner", defect_rate=0.4)
    e1 = [a.expected_findings for a in s1.applicants]
    assert e1 == [a.expected_findings for a in s2.applicants]
    defective = [a for a in s1.applicants if a.expected_findings]
    assert len(defective) == 6
    assert all(len(a.expected_findings) == 1 for a in defective)
    kinds = Counter(a.expected_findings[0]["defect"] for a in defective)
    assert max(kinds.values()) <= 2  # dealt round-robin
    assert set(kinds) <= set(profile_kinds("sc-examiner"))
    gd = plan_batch(10, seed=9, profile="gd-supervisor", defect_rate=0.5)
    assert not any(e["code"] in ("LEVEL_INSUFFICIENT", "WORK_SUMMARY_TOO_SHORT")
                   for a in gd.applicants for e in a.expected_findings)


@pytest.mark.slow
def test_rendered_files_carry_the_defect(tmp_path: Path, sc_plan: BatchSpec) -> None:
    """Truth and roster on disk show the edits: a changed roster cell, a dropped file."""
    spec = _fresh(sc_plan)
    spec.applicants = spec.applicants[:3]
    inject(spec, 0, "roster_abbreviation")
    inject(spec, 1, "doc_missing")
    inject(spec, 2, "wrong_name")
    from pipeline.samples.generator import render_batch

    truth = render_batch(spec, tmp_path)
    ws = load_workbook(tmp_path / "batch" / "roster.xlsx").active
    assert ws is not None
    table = list(ws.iter_rows(values_only=True))
    assert set(ROSTER_COLUMNS) <= set(table[0])  # sc-examiner: with 附件3's 现职业资格 as well
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    col = spec.applicants[0].expected_findings[0]["subject"]
    assert rows[0][col] == spec.applicants[0].roster[col]
    t = {a["key"]: a for a in truth["applicants"]}
    a1 = t[spec.applicants[1].key]
    assert a1["expected_findings"] == spec.applicants[1].expected_findings
    subject = a1["expected_findings"][0]["subject"]
    assert subject not in {d["type"] for f in a1["files"] for d in f["documents"]}
    on_disk = {p.name for p in (tmp_path / "batch" / spec.applicants[1].key).iterdir()}
    assert on_disk == {f["path"].split("/", 1)[1] for f in a1["files"]}
    a2 = t[spec.applicants[2].key]
    names = [d["fields"]["name"] for f in a2["files"] for d in f["documents"] if "name" in d["fields"]]
    assert len(set(names)) == 2 and a2["identity"]["name"] in names


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_rate_zero_unchanged(tmp_path: Path) -> None:
    """defect_rate=0 is the generator as it was: same specs, same truth, same bytes."""
    t0 = generate_batch(tmp_path / "a", n_applicants=3, seed=11, profile="sc-examiner")
    t1 = generate_batch(tmp_path / "b", n_applicants=3, seed=11, profile="sc-examiner", defect_rate=0.0)
    assert t0 == t1 and "defect_rate" not in t0
    assert all(a["expected_findings"] == [] for a in t0["applicants"])
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert json.loads((tmp_path / "a" / "truth.json").read_text(encoding="utf-8")) == t0


@pytest.mark.slow
def test_defective_batch_deterministic(tmp_path: Path) -> None:
    spec = plan_batch(4, seed=2, profile="sc-examiner", defect_rate=0.5)
    done = [a for a in spec.applicants if a.expected_findings]
    assert len(done) == 2
    keys = [a.key for a in done]
    # Rendering twice gives the same bytes (the defect is in the specs, not drawn at render time).
    for name in ("a", "b"):
        for a in spec.applicants:
            if a.key in keys:
                render_applicant(a, tmp_path / name, spec.seed)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    again = plan_batch(4, seed=2, profile="sc-examiner", defect_rate=0.5)
    assert [a.expected_findings for a in again.applicants] == [a.expected_findings for a in spec.applicants]
    assert inject_defects(again, 0.0) == []


def test_scores_on_a_hand_made_report() -> None:
    """The scorer's arithmetic: field matching by file/type/order, recall, false alarms,
    decisions and the reliability bins."""
    from pipeline.samples.score import score_decisions, score_fields, score_findings

    def doc(t: str, side: str | None = None, **fields: str) -> dict[str, Any]:
        d: dict[str, Any] = {"type": t, "pages": [1], "fields": fields}
        if side:
            d["side"] = side
        return d

    truth = {"applicants": [
        {"key": "1_a", "expected_findings": [], "files": [
            {"path": "1_a/id.jpg", "documents": [doc("id_card", "front", name="甲", id_number="11010519491231002X",
                                                     gender="女", birth_date="1949-12-31"),
                                                 doc("id_card", "back", valid_to="长期")]},
            {"path": "1_a/c.pdf", "documents": [doc("skill_certificate", name="甲", id_number="11010519491231002X")]}]},
        {"key": "2_b", "expected_findings": [{"code": "NAME_MISMATCH", "subject": "name"}], "files": [
            {"path": "2_b/c.pdf", "documents": [doc("title_certificate", name="乙", birth_date="1980-01")]}]},
        {"key": "3_c", "expected_findings": [{"code": "DOC_MISSING", "subject": "id_card"}], "files": []},
    ]}

    def fv(v: str) -> dict[str, Any]:
        return {"value": v, "confidence": 0.9}

    report = {"applicants": [
        {"key": "1_a", "decision": "pass", "confidence": 0.95, "findings": [{"code": "PAGE_BLANK", "severity": "info"}],
         "documents": [{"file": "1_a/id.jpg", "type": "id_card", "fields": {
             "name": fv("甲"), "id_number": fv("11010519491231002x"), "gender": fv("女"), "birth_date": fv("1949-12-30")}},
             {"file": "1_a/c.pdf", "type": "skill_certificate", "fields": {"name": fv("甲")}}]},
        {"key": "2_b", "decision": "reject", "confidence": 0.85, "findings": [{"code": "NAME_MISMATCH", "severity": "error"}],
         "documents": []},
        {"key": "3_c", "decision": "pass", "confidence": 0.55, "findings": [], "documents": []},
    ]}
    fs = score_fields(report, truth)
    assert fs.docs == 3 and fs.docs_unmatched == 1
    assert (fs.correct["name"], fs.total["name"]) == (2, 3)
    assert (fs.correct["id_number"], fs.total["id_number"]) == (1, 2)  # lower-case x is the same number
    assert (fs.correct["birth_date"], fs.total["birth_date"]) == (0, 2)
    assert fs.docs_all_right == 0
    fd = score_findings(report, truth)
    assert fd.recall("NAME_MISMATCH") == 1.0 and fd.recall("DOC_MISSING") == 0.0
    assert fd.clean == 1 and fd.clean_alarmed == 0  # info findings are no alarm
    ds = score_decisions(report, truth)
    assert (ds.clean_pass, ds.clean, ds.defective_flagged, ds.defective) == (1, 1, 1, 2)
    assert abs(ds.accuracy - 2 / 3) < 1e-9 and ds.defective_rejected == 1
    counts = {(b.low, b.high): (b.count, b.correct) for b in ds.bins}
    assert counts[(0.9, 1.0)] == (1, 1) and counts[(0.8, 0.9)] == (1, 1) and counts[(0.5, 0.6)] == (1, 0)
