"""Blurring a plate out of a picture: for views without plates.view and for redacted storage."""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[float, float, float, float]


def blur_box(image: np.ndarray, box: Box, margin: float = 0.2) -> np.ndarray:
    """A copy of `image` with `box` (x1, y1, x2, y2, grown by `margin` of its size on each side)
    pixelated and then blurred so strongly that no character survives."""
    out = image.copy()
    height, width = image.shape[:2]
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(int(x1 - dx), 0), max(int(y1 - dy), 0)
    right, bottom = min(int(np.ceil(x2 + dx)), width), min(int(np.ceil(y2 + dy)), height)
    if right <= left or bottom <= top:
        return out
    region = out[top:bottom, left:right]
    h, w = region.shape[:2]
    # Down to a few cells first: a Gaussian alone can be partly undone, a mosaic cannot.
    cells = cv2.resize(region, (max(w // 12, 1), max(h // 12, 1)), interpolation=cv2.INTER_AREA)
    mosaic = cv2.resize(cells, (w, h), interpolation=cv2.INTER_LINEAR)
    out[top:bottom, left:right] = cv2.GaussianBlur(mosaic, (0, 0), max(h, w) / 6.0)
    return out
