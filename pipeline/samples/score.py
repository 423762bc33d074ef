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


# ---------------------------------------------------------------- fields, findings, decisions

PERSON_FIELDS = ("name", "id_number", "birth_date", "gender")
CONFIDENCE_BINS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


def _value(cell: Any) -> Any:
    """A report field's value: report.json nests it as {"value": ...}."""
    return cell.get("value") if isinstance(cell, dict) else cell


def _same(key: str, truth: Any, got: Any) -> bool:
    if got is None:
        return False
    t, g = str(truth).strip(), str(got).strip()
    if key == "id_number":
        t, g = t.upper(), g.upper()
    return t == g


@dataclass
class FieldScore:
    """Per-field accuracy of the person fields over the truth documents that carry them.
    A truth document the report did not find (same file, type and order) counts every
    one of its fields wrong: reading nothing is not reading right."""

    total: Counter = field(default_factory=Counter)  # field -> truth values
    correct: Counter = field(default_factory=Counter)  # field -> read right
    docs: int = 0  # truth documents with at least one person field
    docs_all_right: int = 0
    docs_unmatched: int = 0
    misses: list[tuple[str, str, str, Any, Any]] = field(default_factory=list)  # (file, type, field, truth, got)

    def accuracy(self, key: str) -> float:
        return self.correct[key] / self.total[key] if self.total[key] else 1.0

    @property
    def overall(self) -> float:
        """All person fields together (micro average)."""
        n = sum(self.total.values())
        return sum(self.correct.values()) / n if n else 1.0

    @property
    def documents_all_right(self) -> float:
        return self.docs_all_right / self.docs if self.docs else 1.0


def _truth_sequence(docs: list[dict[str, Any]], doc_type: str) -> list[dict[str, Any]]:
    """Truth documents of a type in file order; an ID card's back side is left out (it
    carries no person field, and the pipeline may report both sides as one document)."""
    return [d for d in docs if d["type"] == doc_type and not (doc_type == "id_card" and d.get("side") == "back")]


def truth_field_keys(truth: dict[str, Any]) -> tuple[str, ...]:
    """Every field name the truth documents carry (for the all-fields figure). A photo's
    truth (size, background) is judged by the photo check, not read as fields."""
    keys: dict[str, None] = {}
    for app in truth["applicants"]:
        for f in app["files"]:
            for d in f["documents"]:
                if d["type"] != "photo":
                    keys.update(dict.fromkeys(d["fields"]))
    return tuple(keys)


def merge_runs(runs: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (report, truth) pair from several saved runs (name, report, truth), each
    applicant key and file path prefixed by its run's name, so the scores above can be
    taken over many generated batches at once."""
    report: dict[str, Any] = {"applicants": []}
    truth: dict[str, Any] = {"applicants": []}
    for name, rep, tru in runs:
        for a in rep["applicants"]:
            docs = [{**d, "file": f"{name}/{d['file']}"} for d in a["documents"]]
            report["applicants"].append({**a, "key": f"{name}/{a['key']}", "documents": docs})
        for a in tru["applicants"]:
            files = [{**f, "path": f"{name}/{f['path']}"} for f in a["files"]]
            truth["applicants"].append({**a, "key": f"{name}/{a['key']}", "files": files})
    return report, truth


def score_fields(report: dict[str, Any], truth: dict[str, Any],
                 fields: tuple[str, ...] = PERSON_FIELDS) -> FieldScore:
    """name / id_number / birth_date / gender per document against the truth documents,
    matched by file, type and order within the file."""
    predicted: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for app in report["applicants"]:
        for doc in app["documents"]:
            predicted.setdefault((doc["file"], doc["type"]), []).append(doc)
    s = FieldScore()
    for app in truth["applicants"]:
        for f in app["files"]:
            for doc_type in dict.fromkeys(d["type"] for d in f["documents"]):
                preds = predicted.get((f["path"], doc_type), [])
                for k, tdoc in enumerate(_truth_sequence(f["documents"], doc_type)):
                    keys = [x for x in fields if tdoc["fields"].get(x) not in (None, "")]
                    if not keys:
                        continue
                    s.docs += 1
                    got = preds[k]["fields"] if k < len(preds) else None
                    if got is None:
                        s.docs_unmatched += 1
                    right = 0
                    for key in keys:
                        s.total[key] += 1
                        value = _value(got.get(key)) if got else None
                        if _same(key, tdoc["fields"][key], value):
                            s.correct[key] += 1
                            right += 1
                        else:
                            s.misses.append((f["path"], doc_type, key, tdoc["fields"][key], value))
                    s.docs_all_right += right == len(keys)
    return s


@dataclass
class FindingScore:
    """Recall of the injected defects and false alarms on clean applicants."""

    expected: Counter = field(default_factory=Counter)  # code -> applicants expected to get it
    found: Counter = field(default_factory=Counter)  # code -> of those, applicants that got it
    missed: dict[str, list[str]] = field(default_factory=dict)  # code -> keys that did not get it
    clean: int = 0  # applicants with no expected finding
    clean_alarmed: int = 0  # of those, applicants with an error or warning finding
    false_alarms: Counter = field(default_factory=Counter)  # code -> error/warning findings on clean applicants
    emitted: Counter = field(default_factory=Counter)  # code -> applicants given it as an error or warning
    true_positive: Counter = field(default_factory=Counter)  # code -> of those, applicants expected to get it

    def recall(self, code: str) -> float:
        return self.found[code] / self.expected[code] if self.expected[code] else 1.0

    @property
    def overall_recall(self) -> float:
        n = sum(self.expected.values())
        return sum(self.found.values()) / n if n else 1.0

    @property
    def precision(self) -> float:
        """Share of the error/warning codes given to applicants that were expected (micro
        average over applicant and code, as the devset scorer counts it)."""
        n = sum(self.emitted.values())
        return sum(self.true_positive.values()) / n if n else 1.0


def _by_key(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for a in report["applicants"]}


def score_findings(report: dict[str, Any], truth: dict[str, Any]) -> FindingScore:
    """Per expected code, the share of applicants where that code appears among the
    applicant's findings; on applicants with nothing expected, every error or warning
    is a false alarm."""
    got = _by_key(report)
    s = FindingScore()
    for app in truth["applicants"]:
        rep = got.get(app["key"], {"findings": []})
        codes = {f["code"] for f in rep.get("findings", [])}
        expected = {e["code"] for e in app.get("expected_findings", [])}
        for code in {f["code"] for f in rep.get("findings", []) if f.get("severity") in ("error", "warning")}:
            s.emitted[code] += 1
            s.true_positive[code] += code in expected
        if not expected:
            s.clean += 1
            alarms = [f["code"] for f in rep.get("findings", []) if f.get("severity") in ("error", "warning")]
            s.false_alarms.update(alarms)
            s.clean_alarmed += bool(alarms)
            continue
        for code in expected:
            s.expected[code] += 1
            if code in codes:
                s.found[code] += 1
            else:
                s.missed.setdefault(code, []).append(app["key"])
    return s


@dataclass
class ReliabilityBin:
    low: float
    high: float
    count: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else 0.0

    @property
    def mean_confidence(self) -> float:
        return self.confidence_sum / self.count if self.count else 0.0


@dataclass
class DecisionScore:
    """Clean applicants should pass; defective ones should not (review or reject).
    The reliability table bins the decision confidence against observed accuracy: a
    calibrated pipeline is right about 9 times in 10 at confidence 0.9."""

    clean: int = 0
    clean_pass: int = 0
    defective: int = 0
    defective_flagged: int = 0
    defective_rejected: int = 0  # of the flagged, with an error expected, decided reject
    bins: list[ReliabilityBin] = field(default_factory=lambda: [ReliabilityBin(lo, hi) for lo, hi in CONFIDENCE_BINS])
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (key, expected, decided)

    @property
    def total(self) -> int:
        return self.clean + self.defective

    @property
    def accuracy(self) -> float:
        return (self.clean_pass + self.defective_flagged) / self.total if self.total else 1.0

    @property
    def calibration_error(self) -> float:
        """Expected calibration error: count-weighted |accuracy - confidence| over bins."""
        n = sum(b.count for b in self.bins)
        return sum(b.count * abs(b.accuracy - b.mean_confidence) for b in self.bins) / n if n else 0.0


ERROR_CODES = frozenset({
    "DOC_MISSING", "ID_NUMBER_INVALID", "USCC_INVALID", "NAME_MISMATCH", "ID_NUMBER_MISMATCH",
    "BIRTH_DATE_MISMATCH", "GENDER_MISMATCH", "SEAL_MISSING", "SEAL_TEXT_MISMATCH", "PHOTO_MISSING",
    "PHOTO_BACKGROUND", "PHOTO_NOT_COLOR", "PHOTO_FACE", "LEVEL_INSUFFICIENT", "AGE_LIMIT",
    "WORK_YEARS_INSUFFICIENT", "WORK_SUMMARY_TOO_SHORT", "DUPLICATE_ID_IN_BATCH", "DUPLICATE_PHOTO_IN_BATCH",
    "DUPLICATE_CERT_IN_BATCH", "REGION_NOT_ALLOWED", "ORG_TYPE_NOT_ALLOWED",
})  # severity error in vocabulary.md


def decision_outcomes(report: dict[str, Any], truth: dict[str, Any]) -> list[tuple[str, str, float, bool]]:
    """(key, decision, confidence, right) per applicant in both report and truth. Right:
    pass when nothing is expected, otherwise flagged (review or reject)."""
    got = _by_key(report)
    out = []
    for app in truth["applicants"]:
        rep = got.get(app["key"])
        if rep is None:
            continue
        decision = rep["decision"]
        right = decision != "pass" if app.get("expected_findings") else decision == "pass"
        out.append((app["key"], decision, float(rep.get("confidence", 0.0)), right))
    return out


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE over `bins` equal-width confidence bins (the devset scorer's definition):
    count-weighted |accuracy - mean confidence|."""
    if not pairs:
        return 0.0
    sums: dict[int, list[float]] = {}
    for conf, right in pairs:
        b = sums.setdefault(min(bins - 1, max(0, int(conf * bins))), [0, 0.0, 0])
        b[0] += 1
        b[1] += conf
        b[2] += right
    return sum(abs(b[2] / b[0] - b[1] / b[0]) * b[0] for b in sums.values()) / len(pairs)


def score_decisions(report: dict[str, Any], truth: dict[str, Any]) -> DecisionScore:
    """Expected decision: pass when nothing is expected, otherwise flagged (review or
    reject); decision accuracy and the confidence reliability table."""
    s = DecisionScore()
    expected = {a["key"]: [e["code"] for e in a.get("expected_findings", [])] for a in truth["applicants"]}
    for key, decision, conf, right in decision_outcomes(report, truth):
        if expected[key]:
            s.defective += 1
            s.defective_flagged += right
            s.defective_rejected += decision == "reject" and any(c in ERROR_CODES for c in expected[key])
        else:
            s.clean += 1
            s.clean_pass += right
        if not right:
            s.wrong.append((key, "flagged" if expected[key] else "pass", decision))
        b = next((b for b in s.bins if b.low <= conf < b.high), s.bins[-1] if conf >= 1.0 else s.bins[0])
        b.count += 1
        b.correct += right
        b.confidence_sum += conf
    return s
