"""PP-OCRv3 DB text detector on onnxruntime: probability map -> scored, unclipped, rotated quads.

Post-processing follows PaddleOCR's DBPostProcess (binary threshold 0.3, mean-probability box
score > 0.6, unclip ratio 1.5) with the unclip done as an exact rectangle offset: the boxes are
minimum-area rectangles, so offsetting each side by area * ratio / perimeter is what a polygon
clipper would compute, without the dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.alpr.onnx_models import TEXT_DETECTOR_MODEL, bundled_model, open_session

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


@dataclass(frozen=True)
class TextBox:
    """A text region: quad (4, 2) float32 in image pixels, clockwise from top-left, and score."""

    quad: np.ndarray
    score: float

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        x, y = self.quad[:, 0], self.quad[:, 1]
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())

    @property
    def size(self) -> tuple[float, float]:
        """(long side, short side) in pixels: the text line's length and height."""
        w = float(np.linalg.norm(self.quad[1] - self.quad[0]))
        h = float(np.linalg.norm(self.quad[3] - self.quad[0]))
        return w, h


@dataclass(frozen=True)
class TextDetectorSettings:
    limit_side: int = 960  # longer side cap, like PaddleOCR's det_limit_side_len
    min_side: int = 64  # small crops are upscaled so characters span a few map cells
    threshold: float = 0.3
    box_threshold: float = 0.6
    unclip_ratio: float = 1.5
    min_size: float = 3.0
    max_candidates: int = 100


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order four points clockwise from top-left (PaddleOCR's convention)."""
    pts = points[np.argsort(points[:, 0])]
    left, right = pts[:2], pts[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def unclip_rect(rect: tuple, ratio: float) -> tuple:
    """Grow a cv2 rotated rect by DB's offset distance (area * ratio / perimeter) on every side."""
    (cx, cy), (w, h), angle = rect
    perimeter = 2.0 * (w + h)
    if perimeter <= 0:
        return rect
    d = w * h * ratio / perimeter
    return (cx, cy), (w + 2 * d, h + 2 * d), angle


class TextDetector:
    """Finds text lines in a BGR image; `detect` returns TextBox quads in that image's pixels."""

    def __init__(
        self, model: Path | None = None, settings: TextDetectorSettings | None = None
    ) -> None:
        self.settings = settings or TextDetectorSettings()
        self._session = open_session(model or bundled_model(TEXT_DETECTOR_MODEL))
        self._input = self._session.get_inputs()[0].name

    def _resize(self, image: np.ndarray) -> tuple[np.ndarray, float, float]:
        h, w = image.shape[:2]
        s = self.settings
        scale = min(1.0, s.limit_side / max(h, w))
        scale = max(scale, s.min_side / max(min(h, w), 1))
        nh = max(32, int(round(h * scale / 32)) * 32)
        nw = max(32, int(round(w * scale / 32)) * 32)
        return cv2.resize(image, (nw, nh)), nw / w, nh / h

    def probability_map(self, image: np.ndarray) -> tuple[np.ndarray, float, float]:
        resized, sx, sy = self._resize(image)
        x = (resized.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
        x = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
        prob = self._session.run(None, {self._input: x})[0][0, 0]
        return prob, sx, sy

    def detect(self, image: np.ndarray) -> list[TextBox]:
        prob, sx, sy = self.probability_map(image)
        s = self.settings
        mask = (prob > s.threshold).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes: list[TextBox] = []
        h, w = image.shape[:2]
        for contour in contours[: s.max_candidates]:
            rect = cv2.minAreaRect(contour)
            if min(rect[1]) < s.min_size:
                continue
            score = _box_score(prob, contour)
            if score < s.box_threshold:
                continue
            grown = unclip_rect(rect, s.unclip_ratio)
            if min(grown[1]) < s.min_size + 2:
                continue
            quad = cv2.boxPoints(grown).astype(np.float32)
            quad[:, 0] = np.clip(quad[:, 0] / sx, 0, w - 1)
            quad[:, 1] = np.clip(quad[:, 1] / sy, 0, h - 1)
            boxes.append(TextBox(order_quad(quad), score))
        return boxes


def _box_score(prob: np.ndarray, contour: np.ndarray) -> float:
    """Mean probability inside the contour (PaddleOCR's 'slow' score: robust for thin text)."""
    x, y, w, h = cv2.boundingRect(contour)
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.fillPoly(mask, [contour.reshape(-1, 2) - (x, y)], 1)
    return float(cv2.mean(prob[y : y + h, x : x + w], mask)[0])
