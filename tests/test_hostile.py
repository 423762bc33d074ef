"""The hostile batch end to end through ingest + render: one finding per bad file, every
good file rendered, nothing raised, nothing written outside the work folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import ingest
from pipeline.render import render_file
from pipeline.samples.hostile import generate_hostile_batch


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return generate_hostile_batch(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("variant", ["folder", "zip"])
def test_hostile_batch(truth: dict, tmp_path: Path, variant: str) -> None:
    batch = ingest(truth[variant], tmp_path / "work")
    assert batch.findings == []
    assert Path(batch.roster_path or "").name == truth["roster"]
    assert sorted(s.path for s in batch.skipped) == sorted(truth["skipped"])
    files = {f.rel_path: f for a in batch.applicants for f in a.files}
    assert set(files) == set(truth["files"])  # nothing lost, nothing invented
    assert files["001_张三/其实是PDF.jpg"].kind == "pdf"

    for rel, expected in truth["files"].items():
        pages, findings = render_file(files[rel], tmp_path / "work")
        if expected.get("ok"):
            assert findings == [], rel
            assert pages and all(Path(p.image_path).is_file() for p in pages), rel
        else:
            assert pages == [], rel
            assert len(findings) == 1, (rel, findings)
            (f,) = findings
            assert (f.code, f.severity) == (expected["code"], "warning"), rel
            assert f.documents == [f"{rel}#1"] and f.message, rel


def test_hostile_messages(truth: dict, tmp_path: Path) -> None:
    batch = ingest(truth["folder"], tmp_path / "work")
    msgs = {
        f.rel_path: render_file(f, tmp_path / "work")[1] for a in batch.applicants for f in a.files
    }
    first = {k: v[0].message for k, v in msgs.items() if v}
    assert first["001_张三/空文件.pdf"] == "文件为空（0 字节）"
    assert first["001_张三/加密.pdf"] == "PDF 已加密，无法打开"
    assert "损坏" in first["001_张三/损坏.pdf"]
    assert "损坏或被截断" in first["001_张三/截断.jpg"]
    assert "30000×30000" in first["001_张三/bomb.png"]
    assert "Office" in first["001_张三/简历.docx"]
    assert ".txt" in first["001_张三/说明.txt"]


def test_zipslip(truth: dict, tmp_path: Path) -> None:
    work = tmp_path / "a" / "work"
    batch = ingest(truth["zipslip"], work)
    files = {f.rel_path for a in batch.applicants for f in a.files}
    assert files == set(truth["zipslip_files"])
    refused = sorted(f.found["entry"] for f in batch.findings)
    assert refused == sorted(truth["zipslip_refused"])
    assert all(f.code == "DOC_UNREADABLE" for f in batch.findings)
    outside = [
        *truth["zipslip_outside"],
        work / "evil.txt",
        work.parent / "evil2.txt",
        tmp_path / "evil3.txt",
    ]
    for p in outside:
        assert not Path(p).exists(), p
    written = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    assert written == {f"batch/{rel}" for rel in truth["zipslip_files"]}
    for f in (f for a in batch.applicants for f in a.files):
        pages, findings = render_file(f, work)
        assert pages and not findings
