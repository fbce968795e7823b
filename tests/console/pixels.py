"""Pixel helpers for console tests: grabbed widgets as arrays, overlay outlines by colour."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from console.video_wall.overlay import PALETTE


def pixels(image: QImage) -> np.ndarray:
    """An RGB (h, w, 3) copy of a QImage."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
    return rows.reshape(image.height(), image.width(), 3).copy()


def colour_mask(rgb: np.ndarray, colour: tuple[int, int, int], tolerance: int = 6) -> np.ndarray:
    return np.all(np.abs(rgb.astype(np.int16) - np.array(colour)) <= tolerance, axis=2)


def palette_pixels(rgb: np.ndarray) -> int:
    """How many pixels have an overlay outline colour exactly (footage practically never)."""
    return sum(int(colour_mask(rgb, c.getRgb()[:3], 0).sum()) for c in PALETTE)
