"""Report writers: contract shape, queue order, CSV/XLSX/HTML contents, evidence, atomicity."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from PIL import Image, ImageDraw

from pipeline import report as rp
from pipeline.contract import SCHEMA_PATH
from pipeline.messages import (
    FINDING_PHRASES,
    decision_word,
    describe,
    doc_type_name,
    mask_id,
)
from pipeline.samples.fonts import font
from pipeline.types import (
    ApplicantResult,
    Decision,
    Document,
    FieldValue,
    Finding,
    OcrLine,
    Page,
    PageText,
    PhotoInfo,
    Region,
    Report,
    Seal,
    Severity,
    Skipped,
    Stats,
)

SCHEMA = SCHEMA_PATH
VOCAB = Path(__file__).resolve().parents[2] / "shared/contract/vocabulary.md"


def _page_image(path: Path, lines: list[str], size: tuple[int, int] = (1240, 1754)) -> Path:
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    for i, text in enumerate(lines):
        d.text((100, 120 + i * 90), text, fill="black", font=font(48))
    d.ellipse((800, 1300, 1100, 1600), outline="red", width=8)  # a seal-like mark
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return path


def _page(tmp: Path, file: str, number: int, lines: list[str], **kw) -> Page:
    img = _page_image(tmp / "work" / f"{file.replace('/', '_')}_{number}.png", lines, **kw)
    w, h = Image.open(img).size
    return Page(file=file, number=number, image_path=str(img), width=w, height=h)


def _text(file: str, page: int, bbox=(0, 0, 1240, 1754), kind: str = "page") -> PageText:
    return PageText(
        file=file,
        page=page,
        region=Region(bbox=bbox, kind=kind),
        lines=[OcrLine(text="居民身份证", confidence=0.97, bbox=(100, 120, 400, 170))],
        engine="rapidocr",
    )


@pytest.fixture
def report(tmp_path: Path) -> Report:
    # 001: everything fine.
    k1 = "001_李四"
    p1 = _page(
        tmp_path,
        f"{k1}/身份证.jpg",
        1,
        ["居民身份证", "姓名 李四", "公民身份号码 11010519491231002X"],
    )
    p1b = _page(
        tmp_path, f"{k1}/证书.pdf", 1, ["职业技能等级证书", "姓名 李四", "等级 三级/高级工"]
    )
    p1c = _page(tmp_path, f"{k1}/照片.jpg", 1, ["照片"], size=(260, 378))
    a1 = ApplicantResult(
        key=k1,
        decision=Decision.PASS,
        risk=0.0512345,
        confidence=0.93456,
        identity={"name": "李四", "id_number": "11010519491231002X", "gender": "女"},
        documents=[
            Document(
                file=p1.file,
                pages=[1],
                type="id_card",
                type_confidence=0.98,
                texts=[_text(p1.file, 1)],
                fields={
                    "name": FieldValue(
                        value="李四", confidence=0.99, page=1, bbox=(100, 210, 420, 260)
                    ),
                    "id_number": FieldValue(
                        value="11010519491231002X",
                        confidence=0.97,
                        page=1,
                        bbox=(100.04, 300.06, 900.0, 350.0),
                    ),
                    "birth_date": FieldValue(
                        value="1949-12-31", confidence=1.0, page=None, bbox=None
                    ),
                },
                cues=["居民身份证", "公民身份号码"] + [f"cue{i}" for i in range(20)],
            ),
            Document(
                file=p1b.file,
                pages=[1],
                type="skill_certificate",
                type_confidence=0.9,
                fields={
                    "skill_level": FieldValue(
                        value=3, confidence=0.9, page=1, bbox=(100, 300, 600, 350)
                    )
                },
            ),
            Document(file=p1c.file, pages=[1], type="photo", type_confidence=0.95),
        ],
        photo=PhotoInfo(
            file=p1c.file, width_px=260, height_px=378, background="white", color=True, faces=1
        ),
        pages=[p1, p1b, p1c],
    )

    # 002: review, an unclassified file and a low-confidence field.
    k2 = "002_王五"
    p2 = _page(tmp_path, f"{k2}/杂项.png", 1, ["一张看不懂的纸"])
    p2b = _page(tmp_path, f"{k2}/推荐表.pdf", 1, ["职业技能等级认定推荐表", "姓名 王五"])
    a2 = ApplicantResult(
        key=k2,
        decision=Decision.REVIEW,
        risk=0.4,
        confidence=0.7,
        identity={"name": "王五", "id_number": "440106199001011234"},
        documents=[
            Document(file=p2.file, pages=[1], type="other", type_confidence=0.31),
            Document(
                file=p2b.file,
                pages=[1],
                type="recommendation_form",
                type_confidence=0.88,
                fields={
                    "name": FieldValue(
                        value="王五", confidence=0.41, page=1, bbox=(100, 210, 420, 260)
                    ),
                    "occupations": FieldValue(
                        value=["电工", "焊工"], confidence=0.8, page=1, bbox=None
                    ),
                    "work_summary": FieldValue(value="从事电工工作多年。" * 30, confidence=0.8),
                },
            ),
        ],
        findings=[
            Finding(
                code="DOC_UNCLASSIFIED",
                severity=Severity.INFO,
                message="无法判断文件类型",
                documents=[f"{p2.file}#1"],
                confidence=0.6,
            ),
            Finding(
                code="LOW_CONFIDENCE",
                severity=Severity.WARNING,
                message="姓名识别置信度低",
                subject="name",
                documents=[f"{p2b.file}#1"],
                found="王五",
                confidence=0.55,
            ),
        ],
        pages=[p2, p2b],
    )

    # 003: reject, ID card missing, a corrupt file, a work certificate without seal,
    # in a long image holding two documents.
    k3 = "003_张三"
    p3 = _page(
        tmp_path,
        f"{k3}/长图.jpg",
        1,
        ["工作证明", "兹证明张三", "", "", "", "", "", "", "", "", "毕业证书"],
        size=(800, 2400),
    )
    a3 = ApplicantResult(
        key=k3,
        decision=Decision.REJECT,
        risk=0.9,
        confidence=0.85,
        identity={"name": "张三"},
        documents=[
            Document(
                file=p3.file,
                pages=[1],
                type="work_certificate",
                type_confidence=0.8,
                texts=[_text(p3.file, 1, (0, 0, 800, 1000), "long_image_part")],
                fields={
                    "employer": FieldValue(
                        value="广州某某科技有限公司",
                        confidence=0.9,
                        page=1,
                        bbox=(100, 210, 700, 260),
                    )
                },
            ),
            Document(
                file=p3.file,
                pages=[1],
                type="diploma",
                type_confidence=0.7,
                texts=[_text(p3.file, 1, (0, 1000, 800, 2400), "long_image_part")],
                seals=[
                    Seal(
                        page=1,
                        bbox=(100, 1300, 400, 1600),
                        shape="round",
                        color="red",
                        confidence=0.8,
                        code="3211811003407",
                    )
                ],
            ),
        ],
        findings=[
            Finding(
                code="DOC_MISSING", severity=Severity.ERROR, message="缺少身份证", subject="id_card"
            ),
            Finding(
                code="DOC_UNREADABLE",
                severity=Severity.WARNING,
                message="PDF 文件已损坏",
                documents=[f"{k3}/损坏.pdf#1"],
            ),
            Finding(
                code="SEAL_MISSING",
                severity=Severity.ERROR,
                message="工作证明未见单位公章",
                subject="work_certificate",
                documents=[f"{p3.file}#1"],
                confidence=0.9,
            ),
            Finding(
                code="AGE_LIMIT",
                severity=Severity.ERROR,
                message="年龄超出限制",
                expected={"min": 18, "max": 60},
                found=float("nan"),
            ),
        ],
        pages=[p3],
    )

    # 004: review with a higher risk than 002, odd characters in the key, a missing image.
    k4 = "004 赵六 (复印)"
    p4 = Page(
        file=f"{k4}/缺图.jpg",
        number=1,
        image_path=str(tmp_path / "nope.png"),
        width=100,
        height=100,
    )
    a4 = ApplicantResult(
        key=k4,
        decision=Decision.REVIEW,
        risk=0.6,
        confidence=0.5,
        identity={"name": "赵六", "id_number": "11010519491231002X"},
        documents=[Document(file=p4.file, pages=[1], type="id_card", type_confidence=0.6)],
        findings=[
            Finding(
                code="DUPLICATE_ID_IN_BATCH",
                severity=Severity.ERROR,
                message="与 001_李四 身份证号相同",
                documents=[f"{p1.file}#1", f"{p4.file}#1"],
            ),
            # A code this version does not know (a report from a newer one): shown as is.
            Finding.model_construct(code="SOMETHING_NEW", severity=Severity.WARNING, message="新规则发现的问题",
                                    subject=None, confidence=None, documents=[], expected=None, found=None,
                                    evidence=[]),
        ],
        pages=[p4],
    )
    return Report(
        profile="sc-examiner",
        batch_date="2025-06-01",
        stats=Stats(applicants=4, files=8, pages=7, seconds=12.3456, ocr_seconds=8.1),
        skipped=[Skipped(path="notes.txt", reason="not an applicant folder")],
        findings=[
            Finding(
                code="DUPLICATE_ID_IN_BATCH",
                severity=Severity.ERROR,
                message="身份证号 11010519491231002X 出现在两位申请人中",
                documents=[f"{p1.file}#1", f"{p4.file}#1"],
            )
        ],
        # Deliberately not in key order: the writer must not depend on it.
        applicants=[a3, a1, a4, a2],
    )


@pytest.fixture
def out(report: Report, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    out_dir = tmp_path / "out"
    return out_dir, rp.write_reports(report, out_dir)


EXPECTED_ORDER = ["003_张三", "004 赵六 (复印)", "002_王五", "001_李四"]


def test_report_json_matches_schema(out) -> None:
    _, paths = out
    out_dir = paths["json"].parent
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "1"
    assert data["stats"] == {
        "applicants": 4,
        "files": 8,
        "pages": 7,
        "seconds": 12.346,
        "ocr_seconds": 8.1,
    }
    assert [a["key"] for a in data["applicants"]] == sorted(EXPECTED_ORDER)
    a1 = next(a for a in data["applicants"] if a["key"] == "001_李四")
    assert a1["risk"] == 0.051 and a1["confidence"] == 0.935
    idc = a1["documents"][0]
    assert idc["fields"]["id_number"]["bbox"] == [100.0, 300.1, 900.0, 350.0]
    assert idc["fields"]["birth_date"]["bbox"] is None
    assert idc["cues"][:2] == ["居民身份证", "公民身份号码"] and len(idc["cues"]) <= 10
    assert "texts" not in idc
    # pages: each rendered page with the pixel size its bboxes refer to, and its image
    # under pages/ (None where the page image could not be read).
    for page in a1["pages"]:
        assert page["width"] > 0 and page["height"] > 0
        if page["image"] is not None:
            assert page["image"].startswith("pages/001_李四/")
            assert (out_dir / page["image"]).is_file()
    assert sum(p["image"] is not None for p in a1["pages"]) >= 2
    assert "cues" not in a1["documents"][1]  # none given, none written
    assert a1["photo"]["evidence"].startswith("evidence/001_李四/")
    a3 = next(a for a in data["applicants"] if a["key"] == "003_张三")
    age = next(f for f in a3["findings"] if f["code"] == "AGE_LIMIT")
    assert age["found"] is None and age["expected"] == {"min": 18, "max": 60}
    assert "confidence" not in age  # unknown -> absent, the schema wants a number
    seal = a3["documents"][1]["seals"][0]
    assert seal["shape"] == "round" and seal["color"] == "red"
    assert seal["code"] == "3211811003407"  # the seal's code: an addition the schema allows
    assert data["findings"][0]["code"] == "DUPLICATE_ID_IN_BATCH"
    assert data["skipped"] == [{"path": "notes.txt", "reason": "not an applicant folder"}]
    # Internal data is never dumped whole.
    text = paths["json"].read_text(encoding="utf-8")
    assert "image_path" not in text and "rapidocr" not in text


def test_queue_order(report: Report) -> None:
    assert [a.key for a in rp.queue_order(report.applicants)] == EXPECTED_ORDER


def test_csv_has_bom_chinese_header_and_queue_order(out) -> None:
    _, paths = out
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with paths["csv"].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["序号", "材料目录", "姓名", "身份证号", "结论", "风险", "置信度", "问题"]
    assert [r[1] for r in rows[1:]] == EXPECTED_ORDER
    assert [r[4] for r in rows[1:]] == ["不符合", "需人工复核", "需人工复核", "通过"]
    zhang = rows[1]
    assert "缺少材料：身份证" in zhang[7]
    assert "文件无法读取：损坏.pdf" in zhang[7]
    assert zhang[7].index("缺少材料") < zhang[7].index("文件无法读取")  # errors first
    assert rows[4][3] == '="11010519491231002X"'  # full ID for the reviewer, kept as text for Excel
    assert "新规则发现的问题" in rows[2][7]  # unknown code -> its message


def test_xlsx_same_rows_as_csv(out) -> None:
    _, paths = out
    with paths["csv"].open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.reader(fh))
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb["复核队列"]  # the short queue, after the notice's summary table
    xl_rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    assert xl_rows[0] == csv_rows[0]
    assert len(xl_rows) == len(csv_rows) == 5
    for x, c in zip(xl_rows[1:], csv_rows[1:], strict=True):
        assert x[0] == int(c[0])
        assert x[1:3] == c[1:3] and x[4] == c[4]
        assert c[3] in (x[3], f'="{x[3]}"')  # the CSV keeps long numbers as text
        assert x[5] == pytest.approx(float(c[5])) and x[6] == pytest.approx(float(c[6]))
        assert x[7] == c[7]
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["H"].width > 40
    assert ws["E2"].fill.start_color.rgb.endswith("FFC7CE")  # reject red
    assert ws["D5"].number_format == "@"
    assert "批次问题" in wb.sheetnames


def test_html_self_contained(out, report: Report) -> None:
    _, paths = out
    page = paths["html"].read_text(encoding="utf-8")
    for a in report.applicants:
        assert rp.html.escape(a.key) in page
        for p in a.pages:
            assert rp.html.escape(p.file) in page
    assert "003_张三/损坏.pdf" in page  # a file known only from its finding
    assert page.count('src="data:image/jpeg;base64,') >= 6
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "<link" not in page
    assert "缺少单位公章" in page and "身份证" in page and "id_card" in page
    assert "无法显示" in page  # the missing page image is shown as such
    assert page.index("003_张三") < page.index("001_李四")


def test_evidence_written_and_referenced(out) -> None:
    out_dir, paths = out
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    refs = [e for a in data["applicants"] for f in a["findings"] for e in f["evidence"]]
    refs += [e for f in data["findings"] for e in f["evidence"]]
    assert refs
    for rel in refs:
        assert rel.startswith("evidence/")
        p = out_dir / rel
        assert p.is_file() and p.resolve().is_relative_to(out_dir.resolve())
        with Image.open(p) as im:
            assert im.format == "JPEG" and im.width > 10
    a3 = next(a for a in data["applicants"] if a["key"] == "003_张三")
    seal = next(f for f in a3["findings"] if f["code"] == "SEAL_MISSING")
    assert seal["evidence"] == ["evidence/003_张三/3_SEAL_MISSING.jpg"]
    # The crop is the work certificate's part of the long image, not the whole page.
    with Image.open(out_dir / seal["evidence"][0]) as im:
        assert im.size == (800, 1000)
    unreadable = next(f for f in a3["findings"] if f["code"] == "DOC_UNREADABLE")
    assert unreadable["evidence"] == []  # nothing to show, no broken reference
    a4 = next(a for a in data["applicants"] if a["key"].startswith("004"))
    for rel in a4["findings"][0]["evidence"]:
        folder = rel.split("/")[1]
        assert " " not in folder and "(" not in folder
    low = next(
        f for a in data["applicants"] for f in a["findings"] if f["code"] == "LOW_CONFIDENCE"
    )
    with Image.open(out_dir / low["evidence"][0]) as im:
        assert im.width < 1240 and im.height < 400  # the field, with some context
    photo = (
        out_dir / next(a for a in data["applicants"] if a["key"] == "001_李四")["photo"]["evidence"]
    )
    assert photo.is_file()
    # Every file under evidence/ is referenced.
    on_disk = {p.relative_to(out_dir).as_posix() for p in (out_dir / "evidence").rglob("*.jpg")}
    photos = {a["photo"]["evidence"] for a in data["applicants"] if a.get("photo")}
    assert on_disk == set(refs) | photos


def test_no_temp_files_left(out) -> None:
    out_dir, _ = out
    leftovers = [p for p in out_dir.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert leftovers == []


def test_second_write_identical_and_prunes_stale(report: Report, tmp_path: Path) -> None:
    out_dir = tmp_path / "out2"
    first = rp.write_reports(report, out_dir)["json"].read_bytes()
    stale = out_dir / "evidence" / "old" / "9_OLD.jpg"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    killed = out_dir / ".report.json.abc123.tmp"  # what a killed run leaves
    killed.write_text("{half", encoding="utf-8")
    second = rp.write_reports(report, out_dir, workers=1)["json"].read_bytes()
    assert not killed.exists()
    assert first == second
    assert not stale.exists() and not stale.parent.exists()


def test_rerun_reencodes_and_rewrites_nothing_unchanged(report: Report, tmp_path: Path, monkeypatch) -> None:
    """Issue 14: a re-run of the same report decodes no page and rewrites no picture
    (same bytes, same mtime); a page image that changed gets new pictures."""
    out_dir = tmp_path / "out4"
    rp.write_reports(report, out_dir, workers=1)
    pictures = sorted(p for p in out_dir.rglob("*.jpg"))
    assert any("pages" in p.parts for p in pictures) and any("evidence" in p.parts for p in pictures)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pictures}
    html = (out_dir / "report.html").read_bytes()

    decoded: list[str] = []
    real_load = rp._load_rgb

    def counting_load(path: str):
        if Path(path).is_file():  # the fixture's missing page is tried, and fails, every time
            decoded.append(path)
        return real_load(path)

    monkeypatch.setattr(rp, "_load_rgb", counting_load)
    rp.write_reports(report, out_dir, workers=1)
    assert decoded == []
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pictures} == before
    assert (out_dir / "report.html").read_bytes() == html

    # A page image changes: its pictures follow.
    page = next(p for a in report.applicants for p in a.pages if Path(p.image_path).is_file())
    _page_image(Path(page.image_path), ["另一张图"], size=(page.width, page.height))
    rp.write_reports(report, out_dir, workers=1)
    assert page.image_path in decoded
    changed = [p for p in pictures if p.read_bytes() != before[p][1]]
    assert any("pages" in p.parts for p in changed)


def test_input_report_not_mutated(report: Report, tmp_path: Path) -> None:
    before = report.model_dump_json()
    rp.write_reports(report, tmp_path / "out3")
    assert report.model_dump_json() == before


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def boom(fd: int) -> None:
        raise OSError("disk full")

    from pipeline import fileio  # the one atomic write, which the report writer uses

    monkeypatch.setattr(fileio.os, "fsync", boom)
    with pytest.raises(OSError):
        fileio.atomic_write(target, b"new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_report_to_dict_is_pure_and_deterministic(report: Report) -> None:
    a = rp.report_to_dict(report)
    b = rp.report_to_dict(
        report.model_copy(update={"applicants": list(reversed(report.applicants))})
    )
    assert json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)
    assert list(a) == [
        "schema_version",
        "profile",
        "batch_date",
        "stats",
        "skipped",
        "findings",
        "applicants",
    ]


def test_describe_words() -> None:
    assert (
        describe(Finding(code="DOC_MISSING", severity="error", message="x", subject="id_card"))
        == "缺少材料：身份证"
    )
    assert (
        describe(
            Finding(
                code="NAME_MISMATCH",
                severity="error",
                message="x",
                subject="name",
                expected="张三",
                found="张山",
            )
        )
        == "姓名不一致：姓名（应为：张三；实为：张山）"
    )
    lvl = describe(
        Finding(code="LEVEL_INSUFFICIENT", severity="error", message="x", expected=3, found=4)
    )
    assert lvl == "职业资格等级不满足要求（应为：三级/高级工；实为：四级/中级工）"
    unknown = Finding.model_construct(code="NOT_A_CODE", severity=Severity.INFO, message="原样显示", subject=None,
                                      expected=None, found=None)
    assert describe(unknown) == "原样显示"
    assert describe(Finding(code="SEAL_MISSING", severity="error", message="x")) == "缺少单位公章"
    assert doc_type_name("skill_certificate").startswith("职业技能等级证书")
    assert decision_word("pass") == "通过" and decision_word(Decision.REVIEW) == "需人工复核"


def test_every_vocabulary_code_has_a_phrase() -> None:
    """Every finding code the project knows has a reviewer's phrase; and, where the contract
    sits beside the clone (CI), every code of its vocabulary too. A clone alone passes."""
    from pipeline.types import FindingCode

    assert {c.value for c in FindingCode} <= set(FINDING_PHRASES)
    if VOCAB.is_file():
        codes = set(re.findall(r"^\| `([A-Z_]+)`", VOCAB.read_text(encoding="utf-8"), re.M))
        codes |= set(re.findall(r"/ `([A-Z_]+)`", VOCAB.read_text(encoding="utf-8")))
        assert codes and codes <= set(FINDING_PHRASES)


def test_mask_id() -> None:
    assert mask_id("44010619900101123X") == "4401**********123X"
    assert mask_id("") == ""
    assert "9001" not in mask_id("44010619900101123X")


def test_safe_names() -> None:
    assert "/" not in rp.safe_name("../../etc/passwd") and not rp.safe_name("..").startswith(".")
    dirs = rp._safe_dirs(["a b", "a_b", "_batch"])
    assert len(set(dirs.values())) == 3 and rp.BATCH_DIR not in dirs.values()


def test_queue_cells_never_formulas(report: Report, tmp_path: Path) -> None:
    evil = report.applicants[1].model_copy(
        update={"key": '=HYPERLINK("x")', "identity": {"name": "王\x0b五"}}
    )
    paths = rp.write_reports(report.model_copy(update={"applicants": [evil]}), tmp_path / "o")
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb["复核队列"]
    assert ws["B2"].value == '=HYPERLINK("x")' and ws["B2"].data_type == "s"
    assert ws["C2"].value == "王五"
    table = wb.worksheets[0]  # the summary table: the folder and the name, also literal
    cells = [c for row in table.iter_rows(min_row=2) for c in row]
    assert any(c.value == '=HYPERLINK("x")' and c.data_type == "s" for c in cells)
    assert all(c.data_type != "f" for c in cells) and "王五" in [c.value for c in cells]
    with paths["csv"].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("text", [" =1+1", "\n=cmd|' /C calc'!A0", "＝HYPERLINK(\"x\")", "\u3000@SUM(A1)", "－1"])
def test_csv_defuses_hidden_formula_starts(text: str) -> None:
    """Spreadsheets skip leading blanks and read full-width ＝ as =: such cells are text."""
    assert rp.csv_cell(text) == "'" + text


def test_queue_csv_keeps_id_numbers_as_text(report: Report) -> None:
    """Excel and WPS show a bare 18-digit number as 4.40106E+17 and lose its tail."""
    a = report.applicants[0].model_copy(update={"identity": {"name": "李四", "id_number": "440106199001011239"}})
    rows = list(csv.reader(io.StringIO(rp.queue_csv_bytes(report.model_copy(update={"applicants": [a]})).decode("utf-8-sig"))))
    assert rows[1][3] == '="440106199001011239"'
    assert rp.csv_cell("44010619900101123X") == '="44010619900101123X"'
    assert rp.csv_cell("2024") == "2024" and rp.csv_cell("张三") == "张三"


# ---------------------------------------------------------------- queue.xlsx: the notice's table (issue 12 item 7)

ANNEX3 = ["序号", "工作单位", "姓名", "性别", "身份证号码", "文化程度", "现职业资格（专业技术职称）",
          "申报考评职业（工种）", "联系电话", "通讯地址"]
ANNEX5 = ["序号", "身份证号", "姓名", "性别", "出生日期", "民族", "政治面貌", "文化程度", "工作年限", "电子邮箱",
          "从事职业", "联系方式", "工作单位", "通讯地址"]
CONTRACT = ["序号", "姓名", "性别", "身份证号", "出生日期", "民族", "政治面貌", "文化程度", "工作年限", "电子邮箱",
            "从事职业", "申报职业", "联系方式", "工作单位", "通讯地址", "材料目录"]
ORG = ["序号", "机构名称", "统一社会信用代码", "法定代表人", "注册地址", "机构类型", "申报职业", "材料目录"]
VERDICT = ["系统结论", "风险", "置信度", "问题"]


@pytest.mark.parametrize(("profile", "columns"), [
    ("sc-examiner", ANNEX3), ("sc-senior-examiner", ANNEX3), ("sc-supervisor", ANNEX5),
    ("gd-supervisor", CONTRACT), ("generic", CONTRACT), ("ah-examiner", CONTRACT), ("gz-expert", CONTRACT),
    ("gd-org-filing", ORG),
])
def test_queue_xlsx_is_the_notices_summary_table(report: Report, tmp_path: Path, profile: str,
                                                 columns: list[str]) -> None:
    """The first sheet is the notice's own table, header row = the notice's columns in its
    order, then the verdict; the roster reader reads it back as a roster."""
    from pipeline.profile import load_profile
    from pipeline.roster import load_roster

    paths = rp.write_reports(report.model_copy(update={"profile": profile}), tmp_path / "o")
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb.worksheets[0]
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    tail = [] if "材料目录" in columns else ["材料目录"]
    assert table[0] == columns + VERDICT + tail
    assert len(table) == 1 + len(report.applicants)
    head = table[0]
    assert [r[head.index("序号")] for r in table[1:]] == list(range(1, len(report.applicants) + 1))
    keys = [a.key for a in rp.queue_order(report.applicants)]
    assert [r[head.index("材料目录")] for r in table[1:]] == keys  # queue order
    assert {r[head.index("系统结论")] for r in table[1:]} <= {"通过", "需人工复核", "不符合"}
    if profile != "gd-org-filing":
        by_key = {r[head.index("材料目录")]: r for r in table[1:]}
        id_col = head.index("身份证号码" if columns is ANNEX3 else "身份证号")
        assert by_key["001_李四"][id_col] == "11010519491231002X"
        assert all(ws.cell(r, id_col + 1).number_format == "@" for r in range(2, ws.max_row + 1))
    roster = load_roster(paths["xlsx"], load_profile(profile))
    assert roster.findings == [] and len(roster.rows) == len(report.applicants)


def test_summary_table_prefers_the_roster_and_composes_the_qualification() -> None:
    from pipeline import summary_table as st

    a = {"key": "001_张三", "decision": "review", "risk": 0.5, "confidence": 0.7,
         "identity": {"name": "张三", "id_number": "44010619900101123X"},
         "roster": {"工作单位": "广州华粤科技有限公司", "联系方式": "13812345678"},
         "documents": [{"type": "skill_certificate", "fields": {"occupation": {"value": "电工"},
                                                               "skill_level": {"value": 3}}},
                       {"type": "recommendation_form", "fields": {"occupations": {"value": ["电工", "钳工"]}}}],
         "findings": [{"code": "SEAL_MISSING", "severity": "error", "message": "x", "subject": "recommendation_form",
                       "documents": ["001_张三/表.pdf#1"], "expected": "seal"}]}
    row = dict(zip(st.headers("sc-examiner"), st.rows([a], "sc-examiner")[0], strict=True))
    assert row["工作单位"] == "广州华粤科技有限公司" and row["联系电话"] == "13812345678"
    assert row["现职业资格（专业技术职称）"] == "电工 三级/高级工"
    assert row["申报考评职业（工种）"] == "电工、钳工"
    assert row["系统结论"] == "需人工复核" and row["置信度"] == 0.7 and row["材料目录"] == "001_张三"
    assert row["问题"].startswith("缺少单位公章：表.pdf")


# ---------------------------------------------------------------- report.html (issue 12 item 9)


def test_html_pages_links_legend_comparison_and_each_finding_once(report: Report, tmp_path: Path) -> None:
    a1 = report.applicants[1]  # 001_李四: give it a roster row that differs, and a cue pattern
    assert a1.key == "001_李四"
    docs = [d.model_copy(update={"cues": ["degree:授予.{0,12}学位"]}) for d in a1.documents]
    a1 = a1.model_copy(update={"roster": {"姓名": "李四", "身份证号": "11010519491231002X", "性别": "男"},
                               "documents": docs})
    rep = report.model_copy(update={"applicants": [report.applicants[0], a1, *report.applicants[2:]]})
    paths = rp.write_reports(rep, tmp_path / "o")
    page = paths["html"].read_text(encoding="utf-8")
    # No classifier patterns.
    assert "依据：" not in page and "授予.{0,12}" not in page
    # A legend for 结论/风险/置信度.
    legend = page[page.index('<dl class="legend">'):]
    legend = legend[: legend.index("</dl>")]
    for word in ("结论", "风险", "置信度", "需人工复核"):
        assert word in legend
    # Each finding once: in its applicant's section, not again per file nor in the queue.
    queue = page[page.index('<table class="queue">'):]
    queue = queue[: queue.index("</table>")]
    for pos, a in enumerate(rp.queue_order(rep.applicants), 1):
        section = page[page.index(f'<details class="app" id="a{pos}"'):]
        section = section[: section.index("</details>")]
        for f in a.findings:
            words = rp.html.escape(rp.describe(f))
            assert section.count(words) == 1 and words not in queue, words
    # Thumbnails open the page full size, with the boxes read on it.
    thumbs = re.findall(r'<a class="thumb" href="#(pg-[\d-]+)"', page)
    assert thumbs
    for anchor in thumbs:
        view = page[page.index(f'<div class="pageview" id="{anchor}">'):]
        view = view[: view.index("</div></div>", view.index('class="pagebox"')) + 12]
        src = re.search(r'<img src="(pages/[^"]+)"', view).group(1)
        assert (tmp_path / "o" / src).is_file()
    assert 'class="box' in page and "姓名：李四" in page  # the name field's box on the ID card
    # Document references are links to those pages.
    assert re.search(r'<span class="refs msg">\[<a href="#pg-[\d-]+">', page)
    # Evidence crops inline under the finding.
    assert re.search(r'<div class="ev"><a href="evidence/[^"]+" target="_blank"><img src="evidence/', page)
    # The roster beside the documents, a difference marked.
    assert "汇总表与材料对照" in page and '<td class="diff">男</td>' in page
