"""Roster (汇总表) reading, pairing with folders and the summary-table cell rules, on real
files written with openpyxl and csv as provincial offices and Excel produce them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pipeline.profile import load_profile
from pipeline.roster import load_roster, pair_roster
from pipeline.types import Finding

# The contract's columns with 附件3's 现职业资格 (what the generator writes for examiners).
COLUMNS = ["序号", "姓名", "性别", "身份证号", "出生日期", "民族", "政治面貌", "文化程度", "现职业资格", "工作年限",
           "电子邮箱", "从事职业", "申报职业", "联系方式", "工作单位", "通讯地址", "材料目录"]


def _row(**over: Any) -> dict[str, Any]:
    base = {"序号": 1, "姓名": "张三", "性别": "男", "身份证号": "44010619900101123X", "出生日期": "1990-01-01",
            "民族": "汉", "政治面貌": "中共党员", "文化程度": "大学本科", "现职业资格": "电工 三级/高级工", "工作年限": 10,
            "电子邮箱": "zhangsan@qq.com", "从事职业": "电工", "申报职业": "电工", "联系方式": "13812345678",
            "工作单位": "广州华粤科技有限公司", "通讯地址": "广东省广州市天河区中山路1号", "材料目录": "001_张三"}
    base.update(over)
    return base


def _xlsx(path: Path, rows: list[dict[str, Any]], columns: list[str] = COLUMNS, title: str | None = None,
          text_cells: bool = True) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) for c in columns])
    if text_cells:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.number_format = "@"
    wb.save(path)
    return path


def _codes(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.code, f.subject) for f in findings]


@pytest.fixture(scope="module")
def sc() -> Any:
    return load_profile("sc-examiner")


@pytest.fixture(scope="module")
def gd() -> Any:
    return load_profile("gd-supervisor")


# ---------------------------------------------------------------- reading


def test_title_row_above_header_and_clean_row(tmp_path: Path, sc: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row()], title="四川省技能人才评价考评员资格培训（复核）汇总表")
    roster = load_roster(path, sc)
    assert roster.findings == []
    assert roster.columns == COLUMNS
    assert len(roster.rows) == 1
    row = roster.rows[0]
    assert row.row == 3  # the sheet's own row number: title, header, data
    assert row.values["姓名"] == "张三" and row.values["序号"] == "1" and row.values["工作年限"] == "10"
    rows, by_key, batch = pair_roster(roster, ["001_张三"], sc)
    assert rows["001_张三"].folder == "001_张三"
    assert by_key["001_张三"] == [] and batch == []


def test_date_cell_numeric_id_and_abbreviations(tmp_path: Path, sc: Any) -> None:
    bad = _row(出生日期=dt.datetime(1990, 1, 1), 身份证号=440106199001011234, 政治面貌="党员", 文化程度="本科",
               性别="男性", 电子邮箱="zhangsan@qq", 联系方式="1381234", 民族="汉族")
    path = _xlsx(tmp_path / "roster.xlsx", [bad])
    roster = load_roster(path, sc)
    row = roster.rows[0]
    assert isinstance(row.raw["出生日期"], dt.datetime)
    assert row.values["出生日期"] == "1990-01-01"  # what the user sees, the raw keeps the type
    assert isinstance(row.raw["身份证号"], (int, float))  # Excel keeps numbers as doubles
    _, by_key, _ = pair_roster(roster, ["001_张三"], sc)
    found = {f.subject: f for f in by_key["001_张三"]}
    assert all(f.code == "ROSTER_VALUE_INVALID" and f.severity == "warning" for f in found.values())
    assert set(found) == {"出生日期", "身份证号", "政治面貌", "文化程度", "性别", "电子邮箱", "联系方式"}
    assert "日期格式" in found["出生日期"].message
    assert found["政治面貌"].expected == "中共党员" and "第2行" in found["政治面貌"].found
    assert found["文化程度"].expected == "大学本科"
    assert "民族" not in found  # 汉 and 汉族 are both fine


def test_text_date_in_wrong_format(tmp_path: Path, sc: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row(出生日期="1990/1/1"), _row(序号=2, 姓名="李四", 材料目录="002_李四",
                                                                          出生日期="1990-02-30")])
    _, by_key, _ = pair_roster(load_roster(path, sc), ["001_张三", "002_李四"], sc)
    assert _codes(by_key["001_张三"]) == [("ROSTER_VALUE_INVALID", "出生日期")]
    assert _codes(by_key["002_李四"]) == [("ROSTER_VALUE_INVALID", "出生日期")]


def test_required_cells_depend_on_profile(tmp_path: Path, sc: Any, gd: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row(电子邮箱=None, 通讯地址="", 民族=None)])
    roster = load_roster(path, sc)
    _, by_key, _ = pair_roster(roster, ["001_张三"], sc)
    # sc-examiner: 附件3's columns (通讯地址 is one, 民族 and 电子邮箱 are not).
    assert sorted(_codes(by_key["001_张三"])) == [("ROSTER_FIELD_MISSING", "通讯地址")]
    sup = load_profile("sc-supervisor")  # 附件5: every column, 民族 and 电子邮箱 too
    _, by_key, _ = pair_roster(roster, ["001_张三"], sup)
    assert sorted(_codes(by_key["001_张三"])) == [("ROSTER_FIELD_MISSING", "民族"), ("ROSTER_FIELD_MISSING", "电子邮箱"),
                                                ("ROSTER_FIELD_MISSING", "通讯地址")]
    _, by_key, _ = pair_roster(roster, ["001_张三"], gd)  # only 姓名 and 身份证号 matter elsewhere
    assert by_key["001_张三"] == []
    path = _xlsx(tmp_path / "r2.xlsx", [_row(身份证号=None)])
    _, by_key, _ = pair_roster(load_roster(path, gd), ["001_张三"], gd)
    assert _codes(by_key["001_张三"]) == [("ROSTER_FIELD_MISSING", "身份证号")]


def test_missing_required_column_is_one_batch_finding(tmp_path: Path, sc: Any) -> None:
    cols = [c for c in COLUMNS if c not in ("联系方式", "电子邮箱")]
    path = _xlsx(tmp_path / "roster.xlsx", [_row(), _row(序号=2, 姓名="李四", 材料目录="002_李四")], columns=cols)
    _, by_key, batch = pair_roster(load_roster(path, sc), ["001_张三", "002_李四"], sc)
    assert _codes(batch) == [("ROSTER_FIELD_MISSING", "联系方式")]  # 电子邮箱 is not in 附件3
    assert by_key["001_张三"] == [] and by_key["002_李四"] == []


def test_notes_and_blank_template_rows_are_not_data(tmp_path: Path, sc: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row(), {"序号": 2}, {"序号": "注：1.出生日期格式必须为：yyyy-mm-dd，为文本类型。"},
                                            {"姓名": "2.政治面貌：中共党员、共青团员、民主党派人士、无党派民主人士、群众，不能简写。"}])
    roster = load_roster(path, sc)
    assert [r.values["姓名"] for r in roster.rows] == ["张三"]


def test_csv_utf8_bom_and_gbk(tmp_path: Path, sc: Any) -> None:
    lines = [",".join(COLUMNS), ",".join(str(_row()[c]) for c in COLUMNS),
             ",".join(str(_row(序号=2, 姓名="李四", 身份证号="440106199202021248", 材料目录="002_李四",
                                   政治面貌="团员")[c]) for c in COLUMNS)]
    text = "\r\n".join(lines) + "\r\n"
    for name, data in (("bom.csv", text.encode("utf-8-sig")), ("plain.csv", text.encode("utf-8")),
                       ("gbk.csv", text.encode("gbk"))):
        (tmp_path / name).write_bytes(data)
        roster = load_roster(tmp_path / name, sc)
        assert roster.findings == [], name
        assert roster.columns == COLUMNS, name
        assert [r.values["姓名"] for r in roster.rows] == ["张三", "李四"], name
        assert roster.rows[0].values["身份证号"] == "44010619900101123X"
        _, by_key, batch = pair_roster(roster, ["001_张三", "002_李四"], sc)
        assert batch == [] and by_key["001_张三"] == []
        assert _codes(by_key["002_李四"]) == [("ROSTER_VALUE_INVALID", "政治面貌")]
        assert by_key["002_李四"][0].expected == "共青团员"


def test_broken_files_are_findings(tmp_path: Path, sc: Any) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    for name in ("broken.xlsx", "old.xlsx", "binary.csv"):
        roster = load_roster(tmp_path / name, sc)
        assert roster.rows == []
        assert len(roster.findings) == 1, name
        f = roster.findings[0]
        assert f.subject == "roster" and f.severity == "warning"
        assert f.code in ("DOC_UNREADABLE", "ROSTER_VALUE_INVALID")
        assert pair_roster(roster, ["001_张三"], sc) == ({}, {}, [])
    roster = load_roster(tmp_path / "missing.xlsx", sc)
    assert _codes(roster.findings) == [("DOC_UNREADABLE", "roster")]


def test_header_without_name(tmp_path: Path, sc: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [{"序号": 1, "单位": "x"}], columns=["序号", "单位"])
    roster = load_roster(path, sc)
    assert _codes(roster.findings) == [("ROSTER_VALUE_INVALID", "roster")]
    assert roster.rows == []


def test_header_aliases(tmp_path: Path, gd: Any) -> None:
    cols = ["序 号", "姓  名", "身份证号码", "出生日期(yyyy-mm-dd)", "联系电话", "学历"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(cols)
    ws.append([1, "张三", "44010619900101123X", "1990-01-01", "020-87654321", "大专"])
    wb.save(tmp_path / "r.xlsx")
    roster = load_roster(tmp_path / "r.xlsx", gd)
    assert roster.columns == ["序号", "姓名", "身份证号", "出生日期", "联系方式", "文化程度"]
    _, by_key, _ = pair_roster(roster, ["x_张三"], gd)
    assert _codes(by_key["x_张三"]) == [("ROSTER_VALUE_INVALID", "文化程度")]  # landline is a phone


# ---------------------------------------------------------------- pairing


def test_pairing_by_folder_id_and_name(tmp_path: Path, gd: Any) -> None:
    rows = [
        _row(序号=1, 姓名="张三", 材料目录="A组/007_张三"),  # a path: its last part names the folder
        _row(序号=2, 姓名="李四", 身份证号="440106199202021248", 材料目录=None),
        _row(序号=3, 姓名="王伟", 身份证号="440106198803031111", 材料目录=None),
        _row(序号=4, 姓名="赵六", 身份证号="440106198504041234", 材料目录=None),
    ]
    path = _xlsx(tmp_path / "roster.xlsx", rows)
    keys = ["007_张三", "440106199202021248", "3_王伟华", "10_王伟", "99_陈七"]
    got, by_key, batch = pair_roster(load_roster(path, gd), keys, gd)
    assert {k: r.values["姓名"] for k, r in got.items()} == {"007_张三": "张三", "440106199202021248": "李四",
                                                            "10_王伟": "王伟"}  # 王伟 is not 王伟华
    assert all(r.folder == k for k, r in got.items())
    assert _codes(batch) == [("ROSTER_NO_FOLDER", "材料目录")]
    assert "第5行" in batch[0].message and "赵六" in batch[0].message
    for k in ("3_王伟华", "99_陈七"):
        assert _codes(by_key[k]) == [("FOLDER_NOT_IN_ROSTER", "材料目录")]
    assert by_key["007_张三"] == []


def test_folder_named_in_roster_wins_over_name_match(tmp_path: Path, gd: Any) -> None:
    rows = [_row(序号=1, 姓名="张三", 身份证号="440106199001011111", 材料目录=None),
            _row(序号=2, 姓名="张三", 身份证号="440106199001012222", 材料目录="2_张三")]
    path = _xlsx(tmp_path / "roster.xlsx", rows)
    got, by_key, batch = pair_roster(load_roster(path, gd), ["1_张三", "2_张三"], gd)
    assert got["2_张三"].values["身份证号"] == "440106199001012222"
    assert got["1_张三"].values["身份证号"] == "440106199001011111"
    assert batch == []


def test_wrong_folder_name_falls_back_and_says_so(tmp_path: Path, gd: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row(材料目录="001-张三")])
    got, by_key, batch = pair_roster(load_roster(path, gd), ["001_张三"], gd)
    assert "001_张三" in got and batch == []
    assert _codes(by_key["001_张三"]) == [("ROSTER_VALUE_INVALID", "材料目录")]


def test_row_without_folder_keeps_its_cell_findings(tmp_path: Path, sc: Any) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_row(姓名="周九", 材料目录="009_周九", 政治面貌="党员")])
    got, by_key, batch = pair_roster(load_roster(path, sc), ["001_张三"], sc)
    assert got == {}
    assert _codes(batch) == [("ROSTER_NO_FOLDER", "材料目录"), ("ROSTER_VALUE_INVALID", "政治面貌")]
    assert _codes(by_key["001_张三"]) == [("FOLDER_NOT_IN_ROSTER", "材料目录")]


def test_org_roster(tmp_path: Path) -> None:
    prof = load_profile("gd-org-filing")
    cols = ["序号", "机构名称", "统一社会信用代码", "法定代表人", "注册地址", "机构类型", "申报职业", "材料目录"]
    rows = [{"序号": 1, "机构名称": "广州华粤科技有限公司", "统一社会信用代码": "91440106MA59ABCD1X",
             "材料目录": None},
            {"序号": 2, "机构名称": "深圳信达职业培训学校", "统一社会信用代码": None, "材料目录": "002_深圳信达职业培训学校"}]
    path = _xlsx(tmp_path / "roster.xlsx", rows, columns=cols, title="广东省社会培训评价组织遴选备案汇总表")
    got, by_key, batch = pair_roster(load_roster(path, prof), ["001_广州华粤科技有限公司", "002_深圳信达职业培训学校"], prof)
    assert set(got) == {"001_广州华粤科技有限公司", "002_深圳信达职业培训学校"}
    assert batch == []
    assert _codes(by_key["002_深圳信达职业培训学校"]) == [("ROSTER_FIELD_MISSING", "统一社会信用代码")]


def test_generated_roster_is_clean(tmp_path: Path) -> None:
    """The generator's roster follows every rule: no finding on a clean batch."""
    from pipeline.samples.generator import plan_batch, roster_table, write_roster

    spec = plan_batch(6, seed=2, profile="sc-examiner")
    write_roster(tmp_path / "roster.xlsx", *roster_table(spec))
    prof = load_profile("sc-examiner")
    roster = load_roster(tmp_path / "roster.xlsx", prof)
    got, by_key, batch = pair_roster(roster, [a.key for a in spec.applicants], prof)
    assert len(got) == 6 and batch == [] and roster.findings == []
    assert all(v == [] for v in by_key.values())


# ---------------------------------------------------------------- the examiners' table, 附件3 (issue 12 item 7)

ANNEX3 = ["序号", "工作单位", "姓名", "性别", "身份证号码", "文化程度", "现职业资格（专业技术职称）",
          "申报考评职业（工种）", "联系电话", "通讯地址"]


def _annex3_row(**over: Any) -> dict[str, Any]:
    base = {"序号": 1, "工作单位": "成都蜀南机电有限公司", "姓名": "张三", "性别": "男", "身份证号码": "44010619900101123X",
            "文化程度": "大学本科", "现职业资格（专业技术职称）": "电工 三级/高级工", "申报考评职业（工种）": "电工",
            "联系电话": "13812345678", "通讯地址": "四川省成都市锦江区东大街1号"}
    base.update(over)
    return base


def test_annex3_roster_as_the_notice_prints_it(tmp_path: Path, sc: Any) -> None:
    """Header row = 附件3's columns (wrapped, full-width brackets): read, clean, and no rule
    fires for a column 附件3 does not have (电子邮箱, 出生日期, 民族, 政治面貌)."""
    cols = [c.replace("（", "\n（") for c in ANNEX3]  # the notice wraps the long headers
    rows = [{c.replace("（", "\n（"): v for c, v in _annex3_row().items()},
            {c.replace("（", "\n（"): v for c, v in _annex3_row(序号=2, 姓名="李四", 身份证号码="440106199202021248").items()}]
    path = _xlsx(tmp_path / "roster.xlsx", rows, columns=cols, title="四川省技能人才评价考评员资格培训（复核）汇总表")
    for prof in (sc, load_profile("sc-senior-examiner")):
        roster = load_roster(path, prof)
        assert roster.findings == []
        assert roster.columns == ["序号", "工作单位", "姓名", "性别", "身份证号", "文化程度", "现职业资格", "申报职业",
                                  "联系方式", "通讯地址"]
        got, by_key, batch = pair_roster(roster, ["1_张三", "2_李四"], prof)
        assert len(got) == 2 and batch == [] and all(v == [] for v in by_key.values())


@pytest.mark.parametrize("column", ANNEX3[1:])
def test_every_annex3_cell_is_required_for_examiners(tmp_path: Path, sc: Any, column: str) -> None:
    path = _xlsx(tmp_path / "roster.xlsx", [_annex3_row(**{column: None})], columns=ANNEX3)
    _, by_key, batch = pair_roster(load_roster(path, sc), ["1_张三"], sc)
    missing = [f for f in by_key.get("1_张三", []) + batch if f.code == "ROSTER_FIELD_MISSING"]
    assert len(missing) == 1, (column, _codes(by_key.get("1_张三", []) + batch))
    assert column.startswith(str(missing[0].subject)) or missing[0].subject in ("身份证号", "联系方式", "申报职业")


def test_current_qualification_must_agree_with_the_certificates() -> None:
    """现职业资格 in 附件3 against the certificates' levels (validators.roster_qualification)."""
    from pipeline.context import ApplicantContext, RosterRow
    from pipeline.types import DocType, Document, FieldValue
    from validators import run_validators

    def run(declared: str, level: int = 3, title: str | None = None) -> list[Finding]:
        docs = [Document(file="1_张三/证书.jpg", pages=[1], type=DocType.SKILL_CERTIFICATE, type_confidence=0.95,
                         fields={"occupation": FieldValue(value="电工", confidence=0.95),
                                 "skill_level": FieldValue(value=level, confidence=0.95)})]
        if title:
            docs.append(Document(file="1_张三/职称.jpg", pages=[1], type=DocType.TITLE_CERTIFICATE,
                                 type_confidence=0.95, fields={"title_level": FieldValue(value=title, confidence=0.9)}))
        ctx = ApplicantContext(key="1_张三", documents=docs, profile=load_profile("sc-examiner"),
                               batch_date=dt.date(2024, 12, 1),
                               roster_row=RosterRow(row=3, values={"姓名": "张三", "现职业资格": declared}))
        return [f for f in run_validators(ctx) if f.subject == "现职业资格"]

    assert run("电工 三级/高级工") == []
    assert run("电工 三级/高级工；工程师 中级", title="中级") == []
    assert run("电工 四级/中级工", level=4) == []  # 中级工 is a skill level, not the title 中级
    assert run("电工 三级/高级工；高级工程师 副高级", title="副高级") == []  # 高级工程师 is no 高级工
    wrong = run("电工 二级/技师")
    assert _codes(wrong) == [("ROSTER_VALUE_INVALID", "现职业资格")]
    assert "二级/技师" in wrong[0].message and "三级/高级工" in wrong[0].message and "第3行" in wrong[0].message
    assert _codes(run("工程师 副高级", title="中级")) == [("ROSTER_VALUE_INVALID", "现职业资格")]
    assert run("高级技师（证书待发）", level=3, title=None) != []
    assert run("见附件") == []  # no level named: nothing to compare
