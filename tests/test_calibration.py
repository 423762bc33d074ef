"""Calibrated decision confidence: decide() maps the rule's raw confidence through the
decision kind's monotone map (data, pipeline/calibration.json), and the fit in
bench/calibrate.py turns over-confident raw values into probabilities."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.calibration import DEFAULT_PATH, KINDS, apply_map
from pipeline.decide import decide, raw_decision
from pipeline.samples.score import expected_calibration_error
from pipeline.types import Decision, DocType, Document, FieldValue, Finding, Severity

ROOT = Path(__file__).resolve().parents[1]


def _fit_module():  # bench/ is scripts, not a package
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "bench" / "calibrate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _doc(name_conf: float) -> Document:
    return Document(file="a/x.jpg", pages=[1], type=DocType.ID_CARD, type_confidence=0.97,
                    fields={"name": FieldValue(value="v", confidence=name_conf)})


TABLE = {"maps": {"pass": {"x": [0.7, 0.8, 0.95], "y": [0.3, 0.6, 0.8]},
                  "review": {"x": [0.2, 0.9], "y": [0.4, 0.7]},
                  "reject": {"x": [0.8, 0.97], "y": [0.75, 0.9]}}}


def test_decide_applies_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(TABLE))
    monkeypatch.setenv("CERTRIAGE_CALIBRATION", str(path))
    got = []
    for c in np.linspace(0.3, 1.0, 15):
        decision, _, conf = decide([], [_doc(float(c))])
        _, _, raw = raw_decision([], [_doc(float(c))])
        assert decision == Decision.PASS
        assert conf == pytest.approx(apply_map(TABLE, "pass", raw), abs=1e-3)
        got.append(conf)
    assert all(0.0 <= g <= 1.0 for g in got) and got == sorted(got) and got[-1] < 0.85
    decision, _, conf = decide([Finding(code="NAME_MISMATCH", severity=Severity.ERROR, message="x", confidence=0.95)],
                               [_doc(0.99)])
    assert decision == Decision.REJECT and conf == pytest.approx(apply_map(TABLE, "reject", 0.95), abs=1e-3)
    monkeypatch.setenv("CERTRIAGE_CALIBRATION", "off")
    assert decide([], [_doc(0.99)]) == raw_decision([], [_doc(0.99)])


def test_packaged_map_is_monotone_and_within_unit() -> None:
    table = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert set(table["maps"]) <= set(KINDS) and table["maps"]
    for m in table["maps"].values():
        x, y = np.array(m["x"]), np.array(m["y"])
        assert len(x) == len(y) >= 1 and (np.diff(x) > 0).all() and (np.diff(y) >= 0).all()
        assert ((y >= 0) & (y <= 1)).all()


def _synthetic(n: int, seed: int) -> list[tuple[str, float, bool]]:
    """Over-confident raw values (0.75-0.99): a pass right 30-75 % of the time, rising
    with its raw value, a review less often than a coin, a reject 60-90 %."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.choice(KINDS)
        raw = rng.uniform(0.75, 0.99)
        p = {"pass": 0.3 + 0.45 * (raw - 0.75) / 0.24, "review": 0.45, "reject": 0.6 + 0.3 * (raw - 0.75) / 0.24}[kind]
        out.append((kind, raw, rng.random() < p))
    return out


@pytest.mark.slow
def test_fit_lowers_ece_on_fresh_samples() -> None:
    cal = _fit_module()
    table = cal.fit_maps(_synthetic(600, 1))
    fresh = _synthetic(600, 2)
    raw_ece = expected_calibration_error([(c, r) for _, c, r in fresh])
    fit_ece = expected_calibration_error([(apply_map(table, k, c), r) for k, c, r in fresh])
    assert raw_ece > 0.15 and fit_ece < min(0.08, raw_ece / 3)
    for m in table["maps"].values():
        assert (np.diff(m["x"]) > 0).all() and (np.diff(m["y"]) >= 0).all()
        assert all(0.0 <= v <= 1.0 for v in m["y"])


def test_few_samples_shrink_toward_the_base_rate() -> None:
    """Two rejects, both right, are no proof that rejects are certain: their step stays
    near the base rate instead of jumping to 1."""
    cal = _fit_module()
    samples = [("pass", 0.9, i % 2 == 0) for i in range(40)] + [("reject", 0.95, True), ("reject", 0.96, True)]
    table = cal.fit_maps(samples)
    assert apply_map(table, "reject", 0.96) < 0.8
    assert apply_map(table, "pass", 0.9) == pytest.approx(0.5, abs=0.05)
