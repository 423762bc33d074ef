"""spaCy pipeline for Chinese certificate prose: a blank `zh` model with character
segmentation (needs no jieba/pkuseg and no download, so it works offline) and one rule
component that marks DATE, ID_NUMBER, USCC, SKILL_LEVEL and ORG spans.

Why rules and not a statistical NER: the entities on these documents have rigid shapes
(dates, check-digit numbers, organisation names ending in 有限公司/学院/局/协会...), and a
model that ships with the project must run with no downloads. One pipeline per process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

_CJK = r"\u4e00-\u9fff"
ORG_SUFFIX = (r"有限责任公司|股份有限公司|有限公司|集团公司|集团|公司|职业技术学院|技师学院|学院|大学|技工学校|"
              r"职业培训学校|培训学校|学校|分局|公安局|管理局|局|厅|协会|学会|研究院|研究所|指导中心|服务中心|中心|"
              r"委员会|医院|事务所")
# Where an organisation name may begin in prose: after a preposition, punctuation or a
# line start, so "兹有张三同志在广州某某有限公司" yields the company, not the sentence.
_ORG_START = r"(?:(?<=[在于由经向为被及和与:;,。\s(])|^)"
_ORG_RE = re.compile(rf"{_ORG_START}([{_CJK}()]{{2,30}}?(?:{ORG_SUFFIX}))(?![{_CJK}]*(?:{ORG_SUFFIX}))")
_DATE_RE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{4}[.\-/]\d{1,2}(?:[.\-/]\d{1,2})?|"
                      r"[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月(?:[一二三四五六七八九十]{1,3}日)?")
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_USCC_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_LEVEL_RE = re.compile(r"[一二三四五]级|高级技师|技师|高级工|中级工|初级工")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ID_NUMBER", _ID_RE), ("USCC", _USCC_RE), ("DATE", _DATE_RE), ("SKILL_LEVEL", _LEVEL_RE), ("ORG", _ORG_RE),
)


@Language.component("certriage_regex_entities")
def regex_entities(doc: Doc) -> Doc:
    """Regex spans as entities; longer spans win where two overlap."""
    spans: list[Span] = []
    for label, pat in _RULES:
        for m in pat.finditer(doc.text):
            g = 1 if pat.groups else 0
            span = doc.char_span(m.start(g), m.end(g), label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    doc.ents = filter_spans(spans)
    return doc


@functools.cache
def get_nlp() -> Language:
    """The per-process pipeline (cached: building it costs ~0.1 s)."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.add_pipe("certriage_regex_entities")
    return nlp


@dataclass(frozen=True)
class Entity:
    label: str
    text: str
    start: int
    end: int


def entities(text: str, label: str | None = None) -> list[Entity]:
    """Entities of `text` (optionally of one label), in text order."""
    doc = get_nlp()(text)
    return [Entity(e.label_, e.text, e.start_char, e.end_char) for e in doc.ents if label is None or e.label_ == label]


def orgs(text: str) -> list[str]:
    """Organisation names in `text`, in order."""
    return [e.text for e in entities(text, "ORG")]
