"""RapidOCR (ONNX Runtime, PP-OCRv6 small det/rec + mobile angle classifier): the default
engine. The models ship inside the `rapidocr` wheel; we point at those files explicitly so
that rapidocr never takes its download path and nothing is written outside the wheel.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.ocr import as_rgb, make_line, second_look, sort_lines, warmup_image
from pipeline import timing
from pipeline.settings import Settings
from pipeline.types import BBox, OcrLine

INSTALL_HINT = "rapidocr is not installed: pip install 'rapidocr==3.10.*' onnxruntime"

_DET_MODEL = "PP-OCRv6_det_small.onnx"
_REC_MODEL = "PP-OCRv6_rec_small.onnx"
_CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
RESCUE_FLOOR = 0.3  # lines read at least this surely get a second look before text_score applies


class RapidOcrOptions(BaseModel):
    """Settings of the RapidOCR engine (defaults measured on synthetic A4 scans:
    0.989 character accuracy at about 1 s/page on 2 cores)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit_side_len: int = Field(
        1280, ge=320, le=4000,
        description="detection input: longest side; 960 lost whole lines on A4 pages at 200 dpi",
    )
    max_side_len: int = Field(2000, ge=640, le=8000, description="page downscale before OCR")
    text_score: float = Field(0.5, ge=0, le=1, description="drop lines recognised below this")
    box_thresh: float = Field(0.5, ge=0, le=1, description="detection box score threshold")
    use_cls: bool = Field(
        False,
        description="flip upside-down single lines before recognition. Off: pages are turned "
        "whole (pipeline.orient), and a page read upside down must read as garbage for the "
        "first-read upright check (orient.reads_upright) to send it to the orientation pass",
    )
    threads: int = Field(
        default_factory=lambda: Settings().ocr_threads,
        ge=0,
        description="onnxruntime intra-op threads; 0 = one per core (env CERTRIAGE_OCR_THREADS)",
    )
    model_dir: Path | None = Field(None, description="folder holding the three .onnx files")


def _bundled_model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


class RapidOcrEngine:
    """OcrEngine over rapidocr 3.10. Calls are serialised by a lock because RapidOCR's
    per-call flags (use_det/use_cls/use_rec) are stored on the instance."""

    name = "rapidocr"
    Options: ClassVar[type[RapidOcrOptions]] = RapidOcrOptions

    def __init__(self, options: RapidOcrOptions | None = None) -> None:
        self.options = options or RapidOcrOptions()
        try:
            from rapidocr import RapidOCR
        except ImportError as e:  # pragma: no cover - rapidocr is a core dependency
            raise ImportError(INSTALL_HINT) from e

        model_dir = self.options.model_dir or _bundled_model_dir()
        paths = {
            k: model_dir / f
            for k, f in (("Det", _DET_MODEL), ("Rec", _REC_MODEL), ("Cls", _CLS_MODEL))
        }
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"RapidOCR model files missing: {', '.join(missing)} (reinstall 'rapidocr==3.10.*'; "
                "certriage never downloads models at run time)"
            )
        o = self.options
        params: dict[str, Any] = {
            "Global.log_level": "error",
            # Lines under text_score are dropped after the second look, which may rescue them.
            "Global.text_score": min(o.text_score, RESCUE_FLOOR),
            "Global.use_cls": o.use_cls,
            "Global.max_side_len": o.max_side_len,
            "Global.model_root_dir": str(model_dir),
            "Det.limit_side_len": o.limit_side_len,
            "Det.limit_type": "max",
            "Det.box_thresh": o.box_thresh,
            "Det.model_path": str(paths["Det"]),
            "Rec.model_path": str(paths["Rec"]),
            "Cls.model_path": str(paths["Cls"]),
        }
        if o.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = o.threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        self._ocr = RapidOCR(params=params)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._lock = threading.Lock()
        self.read(warmup_image())  # loads det, cls and rec now, not on the first page
        _time_models(self._ocr)

    # -------------------------------------------------------------- protocol

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Detect, classify and recognise; boxes in `image` pixels."""
        bgr = as_rgb(image)[:, :, ::-1].copy()  # rapidocr takes ndarrays as BGR
        with self._lock:
            out = self._ocr(bgr, use_det=True, use_cls=self.options.use_cls, use_rec=True)
        boxes, txts, scores = (
            getattr(out, "boxes", None),
            getattr(out, "txts", None),
            getattr(out, "scores", None),
        )
        if boxes is None or txts is None or scores is None:
            return []
        lines = [make_line(t, s, b) for b, t, s in zip(boxes, txts, scores, strict=False)]
        lines = second_look(image, lines, self.recognize_lines)
        return sort_lines(ln for ln in lines if ln.text and ln.confidence >= self.options.text_score)

    def detect(self, image: np.ndarray) -> list[BBox]:
        """Detection only: axis-aligned line boxes in `image` pixels."""
        return [
            (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
            for q in self.detect_quads(image)
        ]

    def detect_quads(self, image: np.ndarray) -> list[np.ndarray]:
        """Detection only: each line's quadrilateral (4 x 2 corner points; orient.py orders them)
        in `image` pixels. A tilted photo's lines are slanted; their axis-aligned boxes
        take in the neighbouring lines, the quads do not."""
        bgr = as_rgb(image)[:, :, ::-1].copy()
        with self._lock:
            out = self._ocr(bgr, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        return [np.asarray(b, dtype=np.float64).reshape(4, 2) for b in boxes]

    # -------------------------------------------------------------- extras

    def classify_180(self, crops: list[np.ndarray]) -> list[tuple[int, float]]:
        """Text-line angle classifier (labels 0/180) on RGB line crops, for orientation:
        (angle, score) per crop."""
        with self._lock:
            return _classify_180(self._ocr, crops)

    def recognize_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition alone (no detection, no angle flip) on single-line RGB crops:
        (text, score) each. Orientation compares a line read as is and turned 180."""
        results: list[tuple[str, float]] = []
        with self._lock:
            for crop in crops:
                if crop.size == 0 or min(crop.shape[:2]) < 4:
                    results.append(("", 0.0))
                    continue
                bgr = as_rgb(crop)[:, :, ::-1].copy()
                out = self._ocr(bgr, use_det=False, use_cls=False, use_rec=True)
                txts, scores = getattr(out, "txts", None) or ("",), getattr(out, "scores", None) or (0.0,)
                results.append((str(txts[0]), float(scores[0])))
        return results


class _TimedModel:
    """A RapidOCR model (det, cls or rec) whose calls are timed by `pipeline.timing`
    (a no-op unless a profiling run enabled it); attributes pass through, because
    RapidOCR sets per-call options on its models."""

    def __init__(self, model: Any, kind: str) -> None:
        self._model = model
        self._kind = kind

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with timing.span(self._kind):
            return self._model(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def _time_models(ocr: Any) -> None:
    """Wrap the loaded models of a RapidOCR instance in `_TimedModel`."""
    for attr, kind in (("text_det", "det"), ("text_cls", "cls"), ("text_rec", "rec")):
        model = getattr(ocr, attr, None)
        if model is not None and not isinstance(model, _TimedModel):
            setattr(ocr, attr, _TimedModel(model, kind))


def _classify_180(ocr: Any, crops: list[np.ndarray]) -> list[tuple[int, float]]:
    """Run RapidOCR's cls model alone on each crop (caller holds the instance's lock)."""
    results: list[tuple[int, float]] = []
    for crop in crops:
        if crop.size == 0 or min(crop.shape[:2]) < 4:
            results.append((0, 0.0))
            continue
        bgr = as_rgb(crop)[:, :, ::-1].copy()
        out = ocr(bgr, use_det=False, use_cls=True, use_rec=False)
        res = getattr(out, "cls_res", None) or [("0", 0.0)]
        label, score = res[0]
        results.append((180 if "180" in str(label) else 0, float(score)))
    return results


class AngleClassifier:
    """RapidOCR's 0/180 text-line classifier on its own (a 0.6 MB ONNX model, ~2 ms a
    line), for engines without one: orientation then needs no second recognition pass.
    RapidOCR loads models on first use, so only the cls model is ever loaded here."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from rapidocr import RapidOCR

        model_dir = model_dir or _bundled_model_dir()
        path = model_dir / _CLS_MODEL
        if not path.is_file():
            raise FileNotFoundError(f"RapidOCR angle classifier missing: {path}")
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.model_root_dir": str(model_dir),
                "Det.model_path": str(model_dir / _DET_MODEL),
                "Rec.model_path": str(model_dir / _REC_MODEL),
                "Cls.model_path": str(path),
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            }
        )
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._lock = threading.Lock()

    def classify_180(self, crops: list[np.ndarray]) -> list[tuple[int, float]]:
        """(angle in {0, 180}, score) per RGB line crop."""
        with self._lock:
            return _classify_180(self._ocr, crops)


_angle_classifier: AngleClassifier | None = None
_angle_lock = threading.Lock()


def angle_classifier() -> AngleClassifier:
    """The process-wide AngleClassifier (created on first use)."""
    global _angle_classifier
    with _angle_lock:
        if _angle_classifier is None:
            _angle_classifier = AngleClassifier()
        return _angle_classifier
