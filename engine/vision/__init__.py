"""Vision stages: detector backends behind one registry, motion gate, tracker."""

from __future__ import annotations

from pathlib import Path

from engine.vision import null_detector as _null_backend  # noqa: F401  registers "none"
from engine.vision import onnx_detector as _onnx_backend  # noqa: F401  registers "onnx"
from engine.vision.detector import (
    Detector,
    DetectorConfig,
    DetectorError,
    create_detector,
    detector_types,
    register_detector,
)


def load_detector(
    model: str | Path | None = None,
    input_size: int = 416,
    score_threshold: float = 0.3,
    classes: list[str] | None = None,
    threads: int = 2,
) -> Detector:
    """Build the ONNX detector (bundled YOLOX-Nano when model is None)."""
    return create_detector(
        DetectorConfig(
            model=Path(model) if model else None,
            input_size=input_size,
            score_threshold=score_threshold,
            classes=classes,
            threads=threads,
        )
    )


__all__ = [
    "Detector",
    "DetectorConfig",
    "DetectorError",
    "create_detector",
    "detector_types",
    "load_detector",
    "register_detector",
]
