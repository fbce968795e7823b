"""Detector contract and registry: a backend registers under a type name (like Frigate's
detectors) and is built from a DetectorConfig; adding a backend touches one file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, Field

from engine.domain import Detections


class DetectorError(RuntimeError):
    """A model that cannot be loaded or run; the message is one line a user can act on."""


class DetectorConfig(BaseModel):
    type: str = Field(default="onnx", description="registry name of the backend")
    model: Path | None = Field(default=None, description="model file; None = bundled default")
    input_size: int = Field(default=416, ge=32, le=1920)
    score_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    nms_iou: float = Field(default=0.45, ge=0.0, le=1.0)
    classes: list[str] | None = Field(default=None, description="names kept; None = all")
    threads: int = Field(default=2, ge=1)
    spin_threads: bool = Field(
        default=False,
        description="let idle inference threads spin: faster for one stream (bench/detect.py: "
        "+40%), but with a session per camera the spinning starves decoding and painting "
        "(bench/wall.py: 4 tiles went from 197% CPU and 21.7 fps to 113% and 23.8 fps)",
    )


@runtime_checkable
class Detector(Protocol):
    """Finds objects in one BGR frame; boxes come back in source pixels."""

    class_names: dict[int, str]
    input_size: int

    def detect(self, image: np.ndarray) -> Detections: ...


DetectorFactory = Callable[[DetectorConfig], Detector]
_REGISTRY: dict[str, DetectorFactory] = {}


def register_detector(type_name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    def decorator(factory: DetectorFactory) -> DetectorFactory:
        _REGISTRY[type_name] = factory
        return factory

    return decorator


def detector_types() -> list[str]:
    return sorted(_REGISTRY)


def create_detector(config: DetectorConfig) -> Detector:
    try:
        factory = _REGISTRY[config.type]
    except KeyError:
        known = ", ".join(detector_types())
        raise DetectorError(f"unknown detector type {config.type!r} (known: {known})") from None
    return factory(config)
