"""Class-aware non-maximum suppression on boxes in any pixel space."""

from __future__ import annotations

import cv2
import numpy as np


def nms_per_class(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou: float
) -> np.ndarray:
    """Indices kept, highest score first, suppressing only within a class."""
    if len(xyxy) == 0:
        return np.zeros(0, dtype=np.int64)
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)
    keep = cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.tolist(), class_ids.tolist(), 0.0, iou)
    return np.asarray(keep, dtype=np.int64).reshape(-1)
