"""Face detection behind a small protocol, offline.

OpenCV's Haar cascades ship inside `opencv-python-headless<5` (cv2.data.haarcascades),
so nothing is downloaded. Used to tell ID photos from other documents and, later, to
check the photo's face.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.types import BBox


class FaceDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[BBox]:
        """Face boxes in the pixels of an RGB uint8 image."""
        ...


class HaarFaceDetector:
    """Frontal-face Haar cascade; run on a copy scaled to <= 640 px for speed."""

    name = "opencv-haar"

    def __init__(self, cascade: str = "haarcascade_frontalface_default.xml", max_side: int = 640):
        import cv2

        path = Path(cv2.data.haarcascades) / cascade
        if not path.is_file():
            raise RuntimeError(
                f"OpenCV Haar cascade {cascade} not found: install opencv-python-headless<5 "
                "(5.x ships no cascades)"
            )
        self._cv2 = cv2
        self._cascade = cv2.CascadeClassifier(str(path))
        self._max_side = max_side

    def detect(self, image: np.ndarray) -> list[BBox]:
        cv2 = self._cv2
        h, w = image.shape[:2]
        scale = min(1.0, self._max_side / max(h, w))
        small = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale)))) if scale < 1 else image
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
        grey = cv2.equalizeHist(grey)
        min_side = max(24, int(min(grey.shape[:2]) * 0.15))
        faces = self._cascade.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=6, minSize=(min_side, min_side)
        )
        return [
            (float(x / scale), float(y / scale), float((x + fw) / scale), float((y + fh) / scale))
            for (x, y, fw, fh) in faces
        ]


@functools.cache
def get_face_detector() -> FaceDetector:
    """One detector per process (loading the cascade costs ~50 ms)."""
    return HaarFaceDetector()


def detect_faces(image: np.ndarray, detector: FaceDetector | None = None) -> list[BBox]:
    """Face boxes; when none is found, once more with the background made white (a dark
    red or blue backdrop flattens the histogram the Haar cascade works on). Used both
    to tell a photo from other documents and by the photo check, so a blue-backed photo
    is found as a photo and then flagged for its background."""
    detector = detector or get_face_detector()
    faces = list(detector.detect(image))
    if faces or image.ndim != 3 or min(image.shape[:2]) < 16:
        return faces
    h = image.shape[0]
    bg = np.median(image[: max(2, int(0.08 * h))].reshape(-1, 3), axis=0)
    if min(bg) >= 200:
        return faces
    near = np.abs(image.astype(np.int16) - bg.astype(np.int16)).max(axis=2) < 60
    whitened = image.copy()
    whitened[near] = 255
    return list(detector.detect(whitened))
