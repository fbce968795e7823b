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


class LetterboxCanvas:
    """Letterboxes frames into a reused size x size canvas and returns the NCHW float32 tensor.

    YOLOX pads bottom-right and takes BGR 0-255; ultralytics centres the picture and takes RGB
    0-1. The canvas is reused (the padding only changes with the frame size) and the tensor is
    made by OpenCV's blobFromImage: about 0.2 ms at 320 instead of 1.2 ms with numpy here.
    """

    def __init__(self, size: int, *, centred: bool, rgb: bool, scale: float, pad_value: int = 114):
        self.size = size
        self._centred = centred
        self._rgb = rgb
        self._scale = scale
        self._pad_value = pad_value
        self._canvas = np.full((size, size, 3), pad_value, dtype=np.uint8)
        self._geometry: tuple[int, int] | None = None

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        height, width = image.shape[:2]
        size = self.size
        scale = min(size / height, size / width)
        new_w, new_h = int(round(width * scale)), int(round(height * scale))
        pad_x = (size - new_w) // 2 if self._centred else 0
        pad_y = (size - new_h) // 2 if self._centred else 0
        if self._geometry != (height, width):
            self._canvas[:] = self._pad_value
            self._geometry = (height, width)
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        self._canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = cv2.resize(
            image, (new_w, new_h), interpolation=interpolation
        )
        tensor = cv2.dnn.blobFromImage(self._canvas, self._scale, swapRB=self._rgb)
        return tensor, Letterbox(scale=scale, pad_x=float(pad_x), pad_y=float(pad_y))
