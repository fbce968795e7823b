"""The "none" detector: a view-only camera (decoded, shown, recorded; nothing detected). Also the
wall benchmark's "detection off" run, which must work in camera processes, so it lives in the
engine's registry rather than in the benchmark."""

from __future__ import annotations

import numpy as np

from engine.domain import Detections
from engine.vision.detector import DetectorConfig, register_detector


class NullDetector:
    class_names: dict[int, str] = {}

    def __init__(self, input_size: int = 0) -> None:
        self.input_size = input_size

    def detect(self, image: np.ndarray) -> Detections:
        return Detections.empty()


@register_detector("none")
def _build(config: DetectorConfig) -> NullDetector:
    return NullDetector(config.input_size)
