"""The plate recogniser's input: one definition shared by training and inference.

A crop becomes grey, is resized to INPUT_HEIGHT keeping its aspect (squeezed when wider than
INPUT_WIDTH), padded right by repeating its last column, and scaled to [-1, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

INPUT_HEIGHT = 32
INPUT_WIDTH = 128
CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # CTC class 0 is the blank, then these


def to_grey(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 3:
        return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return crop


def prepare_plate(crop: np.ndarray) -> np.ndarray:
    """BGR or grey crop -> float32 [INPUT_HEIGHT, INPUT_WIDTH] in [-1, 1]."""
    grey = to_grey(crop)
    h, w = grey.shape[:2]
    width = int(min(INPUT_WIDTH, max(8, round(w * INPUT_HEIGHT / max(h, 1)))))
    resized = cv2.resize(grey, (width, INPUT_HEIGHT), interpolation=cv2.INTER_AREA)
    if width < INPUT_WIDTH:
        resized = cv2.copyMakeBorder(resized, 0, 0, 0, INPUT_WIDTH - width, cv2.BORDER_REPLICATE)
    return (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
