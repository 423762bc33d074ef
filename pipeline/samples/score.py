"""Score a run's report against the generator's truth: every file and page accounted
for, and document types right. Used by the benchmark and the end-to-end tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TypeScore:
    truth_docs: int = 0
    predicted_docs: int = 0
    correct: int = 0
    files_missing: list[str] = field(default_factory=list)  # truth files absent from the report
    pages_missing: list[str] = field(default_factory=list)  # truth pages no document covers
    confusion: Counter = field(default_factory=Counter)  # (truth, predicted) pairs of misses

    @property
    def accuracy(self) -> float:
        return self.correct / self.truth_docs if self.truth_docs else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted_docs if self.predicted_docs else 1.0


def _truth_types(docs: list[dict[str, Any]]) -> Counter:
    """True types of one file, the two sides of one ID card counted as one document
    (the pipeline reports a two-sided copy as one id_card, as the contract allows)."""
    types = Counter(d["type"] for d in docs)
    sides = Counter(d.get("side") for d in docs if d["type"] == "id_card" and d.get("side"))
    if sides:
        types["id_card"] -= min(sides.values()) if len(sides) > 1 else 0
    return types


def score_types(report: dict[str, Any], truth: dict[str, Any]) -> TypeScore:
    """Per file, the multiset of true types against the multiset of predicted types."""
    predicted: dict[str, list[dict]] = {}
    for app in report["applicants"]:
        for doc in app["documents"]:
            predicted.setdefault(doc["file"], []).append(doc)
    s = TypeScore()
    for app in truth["applicants"]:
        for f in app["files"]:
            docs = predicted.get(f["path"])
            t_types = _truth_types(f["documents"])
            s.truth_docs += sum(t_types.values())
            if docs is None:
                s.files_missing.append(f["path"])
                continue
            p_types = Counter(d["type"] for d in docs)
            s.predicted_docs += sum(p_types.values())
            hit = t_types & p_types
            s.correct += sum(hit.values())
            missed = t_types - hit
            extra = list((p_types - hit).elements())
            for t in missed.elements():
                s.confusion[(t, extra.pop(0) if extra else "-")] += 1
            covered = {p for d in docs for p in d["pages"]}
            for page in range(1, int(f.get("pages", 1)) + 1):
                if page not in covered:
                    s.pages_missing.append(f"{f['path']}#{page}")
    return s
