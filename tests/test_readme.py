"""The README opens with a Chinese quick start (issue 12 item 12): the batch layout,
which profile fits which notice, and what 结论/风险/置信度 mean."""

from __future__ import annotations

from pathlib import Path

from pipeline.profile import profile_names

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_a_chinese_quick_start() -> None:
    text = README.read_text(encoding="utf-8")
    head = text[: text.index("## In English")]
    assert head.index("快速上手") < 200
    for words in ("批次目录结构", "roster.xlsx", "--profile", "结论", "风险", "置信度", "需人工复核", "不符合"):
        assert words in head, words
    for name in profile_names():
        assert f"`{name}`" in head, name
