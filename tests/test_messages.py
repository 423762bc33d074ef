"""Reasons in words (issue 12 item 8): every finding the generator's defects make reads
in Chinese, names the file and the value with its unit, and carries no internal measure.

The findings below have the shapes the validators give them (expected/found as in
validators/photo.py, seal.py, photo_duplicates.py, tampering.py, ingest.py …); the
machine fields stay as they are, only describe() words them."""

from __future__ import annotations

import re

from pipeline.messages import describe, megabytes
from pipeline.samples.defects import DEFECTS
from pipeline.types import Finding, Severity

OTHER = "012_王小明"
IDN = "51010519900307123X"
UNITS = {"MB", "PDF", "JPEG"}  # units and file formats, as a reviewer writes them too


def _f(code: str, message: str, **kw: object) -> Finding:
    return Finding(code=code, severity=Severity.ERROR, message=message, confidence=0.9, **kw)


PHOTO = ["007_张三/证件照.jpg#1"]
FINDINGS: list[Finding] = [
    _f("NAME_MISMATCH", "姓名不一致", subject="name", documents=["007_张三/身份证.jpg#1", "007_张三/学历.pdf#1"],
       expected="张三", found="张山"),
    _f("ID_NUMBER_MISMATCH", "号码不一致", subject="id_number", documents=["007_张三/身份证.jpg#1"],
       expected=IDN, found="510105199003071248"),
    _f("ID_NUMBER_INVALID", "号码无效", subject="id_number", documents=["007_张三/身份证.jpg#1"],
       expected="符合GB 11643的18位身份证号", found=IDN),
    _f("BIRTH_DATE_MISMATCH", "出生日期", subject="birth_date", expected="1990-03-07", found="1990-03-08"),
    _f("GENDER_MISMATCH", "性别", subject="gender", expected="男", found="女"),
    _f("LEVEL_INSUFFICIENT", "等级", subject="skill_level", expected="二级/技师及以上职业技能等级",
       found="三级/高级工"),
    _f("WORK_SUMMARY_TOO_SHORT", "简历", subject="work_summary", expected="不少于300字", found="120字"),
    _f("AGE_LIMIT", "年龄", subject="age", expected="不超过60岁", found="63岁"),
    _f("WORK_YEARS_INSUFFICIENT", "年限", subject="work_years", expected="不少于5年", found="3.0年"),
    _f("ROSTER_VALUE_INVALID", "政治面貌", subject="政治面貌", expected="中共党员", found="第3行：党员"),
    _f("DOC_MISSING", "缺少", subject="id_card", expected=["id_card"], found=["diploma", "photo"]),
    _f("DUPLICATE_ID_IN_BATCH", "重复", subject="id_number", expected="本批次内唯一", found=[OTHER]),
    _f("ID_CARD_EXPIRED", "过期", subject="valid_to", expected="不早于2024-12-01", found="2024-05-01"),
    _f("SEAL_MISSING", "工作证明未见单位印章", subject="work_certificate", documents=["007_张三/工作证明.pdf#1"],
       expected="seal"),
    _f("SEAL_TEXT_MISMATCH", "印章不符", subject="work_certificate", documents=["007_张三/工作证明.pdf#1"],
       expected="成都市锦江区人民医院", found="成都市青羊区人民医院"),
    _f("SEAL_SUSPICIOUS", "印章颜色完全均匀", subject="work_certificate", documents=["007_张三/工作证明.pdf#1"],
       expected="ink spread >= 8.0", found=7.41),
    _f("SEAL_SUSPICIOUS", "黑色印章", subject="work_certificate", documents=["007_张三/工作证明.pdf#1"],
       expected="red", found="black"),
    _f("PHOTO_BACKGROUND", "背景", subject="photo", documents=PHOTO, expected="white", found="blue"),
    _f("PHOTO_NOT_COLOR", "黑白", subject="photo", documents=PHOTO, expected=True, found=False),
    _f("PHOTO_SIZE", "尺寸", subject="photo", documents=PHOTO, expected={"format": "一寸", "px": [295, 413]},
       found=[600, 400]),
    _f("PHOTO_FACE", "照片未检测到人脸", subject="photo", documents=PHOTO, expected="one centred face",
       found={"faces": 0}),
    _f("PHOTO_FILE_TOO_LARGE", "过大", subject="photo", documents=PHOTO, expected=3145728, found=4200000),
    _f("DUPLICATE_PHOTO_IN_BATCH", "相同", subject="photo", documents=PHOTO + [f"{OTHER}/照片.jpg#1"],
       expected="a photo of this applicant only",
       found={"applicant": OTHER, "phash_distance": 0, "correlation": 1.0}),
    _f("DUPLICATE_FILE_IN_BATCH", "页面相同", subject="work_certificate",
       documents=["007_张三/工作证明.pdf#1", f"{OTHER}/工作证明.pdf#1"], found=OTHER),
    _f("TAMPER_SUSPECTED", "疑似后贴", subject="name", documents=["007_张三/学历.pdf#1"],
       found={"page": 1, "bbox": [1.0, 2.0, 3.0, 4.0], "text": "张三", "cue": "jpeg_grid", "grid": [1, 2],
              "ratio": 0.2}),
    _f("DOC_UNREADABLE", "文件为空（0 字节）", documents=["007_张三/学位证.pdf#1"], found={"size": 0}),
    _f("FILE_TYPE_MISMATCH", "扩展名不符", documents=["007_张三/学历.pdf#1"], expected="jpeg", found="pdf"),
]


def _letters_outside_names(text: str, f: Finding) -> list[str]:
    """ASCII letters left once file names, applicant folders and ID numbers are taken out."""
    for ref in f.documents:
        for part in ref.partition("#")[0].split("/"):
            text = text.replace(part, "")
    text = re.sub(r"\.[a-z]{2,4}\b", "", text.replace(IDN, "").replace(OTHER, ""))  # an extension
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in UNITS]


def test_every_defect_code_is_worded_in_chinese() -> None:
    codes = {code for code, _ in DEFECTS.values() if code}
    assert codes <= {f.code for f in FINDINGS}, codes - {f.code for f in FINDINGS}
    for f in FINDINGS:
        text = describe(f)
        assert not _letters_outside_names(text, f), (f.code, text)
        for internal in ("phash", "correlation", "ink spread", "7.41", "size：", "3145728", "4200000"):
            assert internal not in text, (f.code, text)


def test_reasons_name_the_file_and_the_value_with_units() -> None:
    by = {(f.code, str(f.found)): describe(f) for f in FINDINGS}
    assert by[("PHOTO_BACKGROUND", "blue")] == "照片背景颜色不符合要求：证件照.jpg（背景应为白色，实为蓝色）"
    assert by[("PHOTO_FILE_TOO_LARGE", "4200000")] == "照片文件过大：证件照.jpg（文件 4.0 MB，超过 3 MB）"
    dup = next(v for (c, _), v in by.items() if c == "DUPLICATE_PHOTO_IN_BATCH")
    assert OTHER in dup and "证件照.jpg" in dup
    empty = next(v for (c, _), v in by.items() if c == "DOC_UNREADABLE")
    assert "学位证.pdf" in empty and "0 字节" in empty
    assert megabytes(3145728) == "3 MB" and megabytes(4200000) == "4.0 MB"


# ---------------------------------------------------------------- CLI (issue 12 item 10)


def test_help_is_chinese_and_english_with_each_default() -> None:
    import argparse

    from pipeline.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = subs.choices["run"].format_help()
    assert "按哪份通知的规则检查" in text and "rule profile" in text
    for default in ("default: generic", "default: 200", "default: threads", "default: 1", "default: rapidocr"):
        assert default in " ".join(text.split()), default
    for name, sp in subs.choices.items():
        for action in sp._actions:
            if action.option_strings and action.dest != "help":
                assert re.search(r"[\u4e00-\u9fff]", action.help or ""), (name, action.dest)
                assert re.search(r"[A-Za-z]{3}", action.help or ""), (name, action.dest)


def test_run_without_profile_warns_that_generic_checks_no_notice(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipeline.cli import main

    batch = tmp_path / "batch"
    batch.mkdir()
    assert main(["run", str(batch), "--out", str(tmp_path / "out"), "--no-prefect",
                 "--batch-date", "2024-12-01"]) == 0
    err = capsys.readouterr().err
    assert "generic" in err and "未指定 --profile" in err and "checks no notice's rules" in err
    assert main(["run", str(batch), "--out", str(tmp_path / "out1"), "--no-prefect",
                 "--batch-date", "2024-12-01", "--profile"]) == 0  # --profile without a value
    assert "未指定 --profile" in capsys.readouterr().err
    assert main(["run", str(batch), "--out", str(tmp_path / "out2"), "--no-prefect", "--profile", "generic",
                 "--batch-date", "2024-12-01"]) == 0
    assert "未指定 --profile" not in capsys.readouterr().err
