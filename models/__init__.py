"""Model adapters (OCR engines, ...).

The OCR engines are registered by dotted path and imported only when asked for, so that
`import models` never pulls onnxruntime or paddle into a process that does not OCR.
"""

from __future__ import annotations

import importlib
import os

# onnxruntime writes a telemetry device id under ~/.cache/Microsoft when imported unless
# this is set first; models/ is imported before any engine, so set it here.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# name -> "module:Class"; the class takes one options object (see models/ocr.py).
OCR_ENGINES: dict[str, str] = {
    "rapidocr": "models.rapidocr_engine:RapidOcrEngine",
    "paddleocr": "models.paddleocr_engine:PaddleOcrEngine",
}


class UnknownEngineError(ValueError):
    """Raised for an OCR engine name that is not in OCR_ENGINES."""


def engine_class(name: str) -> type:
    """The engine class registered under `name`, imported now (lazily)."""
    try:
        target = OCR_ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(OCR_ENGINES))
        raise UnknownEngineError(f"unknown OCR engine {name!r}; known engines: {known}") from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
