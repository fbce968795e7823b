"""Letterbox resizing: fit a frame into a square model input without changing its aspect."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Letterbox:
    """How a source frame was mapped into the model input, to map boxes back."""

    scale: float
    pad_x: float
    pad_y: float

    def to_source(self, xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
        out = xyxy.astype(np.float32, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
        out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
        return out


def letterbox(
    image: np.ndarray, size: int, *, centred: bool, pad_value: int = 114
) -> tuple[np.ndarray, Letterbox]:
    """Resize `image` (HxWx3) into a size x size canvas; YOLOX pads bottom-right, ultralytics
    centres the picture."""
    height, width = image.shape[:2]
    scale = min(size / height, size / width)
    new_w, new_h = int(round(width * scale)), int(round(height * scale))
    canvas = np.full((size, size, 3), pad_value, dtype=np.uint8)
    pad_x = (size - new_w) // 2 if centred else 0
    pad_y = (size - new_h) // 2 if centred else 0
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return canvas, Letterbox(scale=scale, pad_x=float(pad_x), pad_y=float(pad_y))
