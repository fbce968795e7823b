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


def find_outline(
    rgb: np.ndarray,
    colour: tuple[int, int, int],
    side_px: float,
    region: tuple[int, int, int, int] | None = None,
) -> np.ndarray | None:
    """The rectangle outline in `colour` (solid or dashed), x1 y1 x2 y2 in `rgb` pixels:
    columns and rows holding many pixels of it are its edges; the label text and the
    translucent trail never do. `region` (x1, y1, x2, y2) limits the search, so another
    track's outline of the same palette colour elsewhere does not count."""
    mask = colour_mask(rgb, colour, tolerance=2)
    if region is not None:
        x1, y1, x2, y2 = (max(0, int(v)) for v in region)
        keep = np.zeros_like(mask)
        keep[y1:y2, x1:x2] = True
        mask &= keep
    need = 0.35 * side_px
    cols = np.flatnonzero(mask.sum(axis=0) >= need)
    rows = np.flatnonzero(mask.sum(axis=1) >= need)
    if len(cols) < 2 or len(rows) < 2:
        return None
    left, right = cols[cols <= cols.min() + 3], cols[cols >= cols.max() - 3]
    top, bottom = rows[rows <= rows.min() + 3], rows[rows >= rows.max() - 3]
    return np.array([left.mean(), top.mean(), right.mean() + 1, bottom.mean() + 1])
