"""Profiles are data: every bundled profile loads, bad files are refused with the key named,
and the required-documents check reads them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.context import ApplicantContext
from pipeline.profile import ProfileError, load_profile, load_profile_file, profile_names
from pipeline.types import DocType, Document
from validators.required_documents import check


def required_check(key: str, docs: list[Document], profile: str, batch_date: date) -> list:
    return check(ApplicantContext(key=key, documents=docs, profile=load_profile(profile), batch_date=batch_date))

CONTRACT_PROFILES = {"generic", "gd-supervisor", "sc-examiner", "sc-senior-examiner",
                     "sc-supervisor", "ah-examiner", "gz-expert", "gd-org-filing"}


def test_every_contract_profile_is_bundled_and_loads() -> None:
    assert CONTRACT_PROFILES <= set(profile_names())
    for name in CONTRACT_PROFILES:
        prof = load_profile(name)
        assert prof.name == name
        assert prof.title


def test_profile_rules_match_the_notices() -> None:
    gd = load_profile("gd-supervisor")
    assert [DocType.SKILL_CERTIFICATE, DocType.TITLE_CERTIFICATE] in gd.required
    assert [DocType.PHOTO] in gd.required and gd.photo and gd.photo.format == "小一寸"
    assert DocType.ID_CARD in gd.optional and gd.min_work_years == 1
    sc = load_profile("sc-senior-examiner")
    assert sc.qualification and sc.qualification.skill_level_max == 1
    assert sc.qualification.title_level_min == "副高级"
    assert sc.examiner_card.required and sc.examiner_card.min_held_years == 1
    gz = load_profile("gz-expert")
    assert gz.age_max == 65 and gz.max_occupations == 3 and gz.examiner_card.warn_if_absent
    org = load_profile("gd-org-filing")
    assert org.subject == "organisation" and org.org and org.org.region_prefix == "44"
    assert load_profile("ah-examiner").photo.max_bytes == 3 * 1024 * 1024
    assert load_profile("generic").required == []


def test_custom_profile_file_and_bad_key(tmp_path: Path) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text("name: mine\ntitle: 自定义\nrequired: [photo, [diploma, degree]]\nage_max: 60\n",
                    encoding="utf-8")
    prof = load_profile(str(good))
    assert prof.required == [[DocType.PHOTO], [DocType.DIPLOMA, DocType.DEGREE]]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: x\nage_maximum: 60\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="age_maximum"):
        load_profile_file(bad)
    wrong_type = tmp_path / "wrong.yaml"
    wrong_type.write_text("name: w\ntitle: x\nrequired: [passport]\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="required"):
        load_profile_file(wrong_type)
    with pytest.raises(ProfileError, match="unknown profile"):
        load_profile("no-such-profile")


def _doc(t: DocType, conf: float = 0.9) -> Document:
    return Document(file=f"a/{t.value}.jpg", pages=[1], type=t, type_confidence=conf)


def test_required_documents_check() -> None:
    d = date(2024, 12, 1)
    docs = [_doc(DocType.SKILL_CERTIFICATE), _doc(DocType.DEGREE), _doc(DocType.PHOTO),
            _doc(DocType.RECOMMENDATION_FORM)]
    found = required_check("a", docs, profile="gd-supervisor", batch_date=d)
    assert [(f.code, f.subject, f.severity.value) for f in found] == [("DOC_MISSING", "work_certificate", "error")]
    assert found[0].confidence >= 0.9
    # With an unclassified file the missing document may be that file: less sure.
    found2 = required_check("a", docs + [_doc(DocType.OTHER, 0.4)], profile="gd-supervisor", batch_date=d)
    assert found2[0].confidence < found[0].confidence
    assert found2[0].documents == ["a/other.jpg#1"]
    assert required_check("a", docs + [_doc(DocType.WORK_CERTIFICATE)], profile="gd-supervisor", batch_date=d) == []
    assert required_check("a", [], profile="generic", batch_date=d) == []
    gz = required_check("a", [], profile="gz-expert", batch_date=d)
    assert {f.subject for f in gz if f.severity.value == "error"} == {
        "recommendation_form", "id_card", "diploma", "photo", "skill_certificate"}
    assert [f.subject for f in gz if f.severity.value == "warning"] == ["examiner_card"]
