"""The real seal set (issue 11, tests/data/real_seals): its manifest is complete and honest
about where each image comes from, and the seal code's levels on it (bench/bench_real_seals.py)
do not fall below what was measured when the set was added.

The levels are floors, not goals: generated seals are clean rings, real ones are faint,
half-inked, photographed, oval and stamped over text, and the seal code reads them far
worse. Raise FLOORS as the seal work lands; a drop below them is a regression."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

SLOW_FIXTURES = {"summary"}  # generated and read once per module (conftest marks its users slow)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "real_seals"
# The repositories that hold issue 11's acceptance images: nothing may come from them.
ACCEPTANCE_REPOS = {"Gmgge/TrOCR-Seal-Recognition", "NephrenCake/SealOcr", "cuicheng01/PaddleX_doc_images",
                    "x3zvawq/paddleocr.js", "flystarhe/cicba", "chineseocr/chineseocr",
                    "shaotao-art/id-number-detect", "Zeyi-Lin/HivisionIDPhotos"}
KINDS = {"closeup", "page", "licence", "id_card"}

# Measured on the seal code as it was when the set was added (commit of this test), less a
# margin of about 0.05: found shares, mean ring-name similarity of the seals found, fields.
FLOORS = {
    "closeup_found": 0.64,  # 20/29 (0/28 before the zoomed-out search of pipeline/seals.py)
    "pasted_found": 0.70,  # 21/28 at 45 mm on a generated work certificate
    "page_found": 0.53,  # 14/24 on the real pages and licences
    # Ring read from its start (issue 11): the ring is cut at its widest gap between ring
    # characters, a seal code on the bottom and inner text corners no longer fill that gap.
    "closeup_similarity": 0.48,  # 0.530 (0.473 cut at any gap)
    "pasted_similarity": 0.52,  # 0.570 (0.481)
    "page_similarity": 0.50,  # 0.547 (0.487)
    "closeup_exact": 3,  # 4/19 (2/19)
    "pasted_exact": 4,  # 5/20 (2/20)
    "uscc_right": 2,  # 2/2 licences with a readable USCC
    "closeup_code": 2,  # 13-digit seal codes read: 2/3 (0/3 before Seal.code and the bottom arc read)
}


def _bench() -> Any:  # bench/ is scripts, not a package
    spec = importlib.util.spec_from_file_location("bench_real_seals", ROOT / "bench" / "bench_real_seals.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_manifest_is_complete() -> None:
    items = _bench().load_manifest(DATA)
    files = {p.name for p in DATA.glob("*.jpg")}
    assert {it["file"] for it in items} == files  # every image listed, no listing without an image
    for it in items:
        assert it["kind"] in KINDS, it["file"]
        assert it["source"] not in ACCEPTANCE_REPOS, it["file"]
        assert len(it["commit"]) == 40 and it["path"] and it["licence"], it["file"]
        if it["kind"] == "closeup":
            assert it["text"] and it["shape"] in ("round", "oval") and it["ink"] in ("red", "blue", "grey"), it["file"]
            if it.get("code"):
                assert len(it["code"]) == 13 and it["code"].isdigit(), it["file"]
        elif it["kind"] in ("page", "licence"):
            assert it["seals"] and all(s["text"] and s["shape"] in ("round", "oval") for s in it["seals"]), it["file"]
        else:
            assert len(it["id_number"]) == 18, it["file"]
    closeups = sum(it["kind"] == "closeup" for it in items)
    page_seals = sum(len(it.get("seals", [])) for it in items)
    assert closeups >= 28 and closeups + page_seals >= 50
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 6_000_000  # a few MB


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    bench = _bench()
    rows = bench.run(data=DATA)
    return {"summary": bench.summarise(rows), "rows": rows}


def _share(s: dict[str, Any]) -> float:
    return s["found"] / s["n"] if s["n"] else 0.0


@pytest.mark.slow
def test_seal_levels_hold_on_real_images(summary: dict[str, Any]) -> None:
    s = summary["summary"]
    got = {
        "closeup_found": _share(s["closeup"]),
        "pasted_found": _share(s["pasted"]),
        "page_found": _share(s["page"]),
        "closeup_similarity": s["closeup"]["mean_similarity"],
        "pasted_similarity": s["pasted"]["mean_similarity"],
        "closeup_exact": s["closeup"]["exact"],
        "closeup_code": s["closeup"]["code"][0],
        "pasted_exact": s["pasted"]["exact"],
        "page_similarity": s["page"]["mean_similarity"],
        "uscc_right": sum(1 for r in summary["rows"] if r["case"] == "field" and r["field"] == "uscc" and r["right"]),
    }
    below = {k: (round(v, 3), FLOORS[k]) for k, v in got.items() if v < FLOORS[k]}
    assert not below, f"below the floor (got, floor): {below}"


def test_found_seals_are_round_or_oval(summary: dict[str, Any]) -> None:
    """Every seal of the set is round or oval (none cut by an edge): so is what is found."""
    found = [r for r in summary["rows"] if r["case"] != "field" and r["found"]]
    assert found
    assert all(r["shape"] in ("round", "oval") for r in found), [(r["file"], r["shape"]) for r in found]


@pytest.mark.xfail(strict=True, reason="issue 11: faint or photographed red seals printed on a white page "
                   "(evergrande_faint, wenzhou, two photographed supervision seals) are found only by the "
                   "grey-photocopy path and reported black; drop this mark when fixed")
def test_found_coloured_seals_are_not_reported_black(summary: dict[str, Any]) -> None:
    """A seal stamped in red or blue ink must not be reported black: the grey path reads the
    ring with the page's own text left in. Grey photocopies (ink grey in the manifest) are black."""
    found = [r for r in summary["rows"] if r["case"] != "field" and r["found"]]
    wrong = [(r["case"], r["file"], r["color"]) for r in found
             if (r["color"] == "black") != (r["ink"] == "grey")]
    assert not wrong, wrong


@pytest.mark.parametrize("name", ["jiangsu_shizhun_medical_round.jpg", "construction_machinery_qc_round.jpg",
                                  "dongguan_amr_round.jpg"])
def test_ring_is_read_from_its_start(name: str, engine: Any) -> None:
    """Round seals with a 13-digit code or an inner line along the bottom: the name is read
    whole and from its first character, with no digits or inner text glued to either end
    (cut at any gap, they read 限公司2001e江苏视准医疗器械有 and 69060国家工程...)."""
    bench = _bench()
    item = next(it for it in bench.load_manifest(DATA) if it["file"] == name)
    image = bench.load_rgb(DATA / name)
    row = bench.closeup_case(item, image, engine)
    assert row["found"] and bench.norm_name(row["read"]) == bench.norm_name(item["text"]), row["read"]


@pytest.mark.parametrize("name", ["jiangsu_shizhun_medical_round.jpg", "construction_machinery_qc_round.jpg"])
def test_seal_code_is_read_off_the_bottom_arc(name: str, engine: Any) -> None:
    """The 13-digit code along a round seal's bottom stands on the rim (read the other
    way up from the name): it is read into Seal.code, and kept out of the name."""
    bench = _bench()
    item = next(it for it in bench.load_manifest(DATA) if it["file"] == name)
    row = bench.closeup_case(item, bench.load_rgb(DATA / name), engine)
    assert row["code_read"] == item["code"], row
    assert not any(ch.isdigit() for ch in row["read"] or ""), row["read"]


def _turned(image: Any, degrees: float) -> Any:
    """The close-up on a canvas twice its size (its own paper repeated), turned about its centre."""
    import cv2

    h, w = image.shape[:2]
    p = max(h, w) // 2
    big = cv2.copyMakeBorder(image, p, p, p, p, cv2.BORDER_REPLICATE)
    m = cv2.getRotationMatrix2D((big.shape[1] / 2, big.shape[0] / 2), degrees, 1.0)
    return cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize(("name", "degrees"), [("shenzhen_baiyun_travel_invoice_oval.jpg", -25),
                                               ("shenzhen_laoqi_invoice_oval.jpg", 20)])
def test_turned_oval_is_read_along_its_own_axes(name: str, degrees: float, engine: Any) -> None:
    """An oval stamped at a slant: its box is no longer its outline, so the ring is unwrapped
    along the ellipse fitted to the oval's ink (read along the box's ellipse, the name lost
    its first character: 圳市白云航空旅游有限公司, 市宝安区老七卤慰)."""
    from pipeline.seals import detect_seals, read_seal_text

    bench = _bench()
    item = next(it for it in bench.load_manifest(DATA) if it["file"] == name)
    image = _turned(bench.load_rgb(DATA / name), degrees)
    seals = [s for s in detect_seals(image) if s.shape == "oval"]
    assert len(seals) == 1
    read = bench.norm_name(read_seal_text(image, seals[0], engine).text)
    truth = bench.norm_name(item["text"])
    assert read[:3] == truth[:3] and bench.name_score(read, truth)[1] >= 0.75, read
