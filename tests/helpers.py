"""Shared test helpers: bundled clips and frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT / "resources" / "clips"
STREET = CLIPS / "traffic_street_fixedcam.mp4"
STREET_SHORT = CLIPS / "traffic_street_fixedcam_short.mp4"


def read_frame(path: Path, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = capture.read()
    capture.release()
    assert ok, f"cannot read frame {index} of {path}"
    return image
