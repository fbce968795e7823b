"""Camera: a configured video source and how it is analysed."""

from __future__ import annotations

import uuid
from enum import Enum

from pydantic import BaseModel, Field


class CameraState(str, Enum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"
    FAILED = "failed"


class DetectionSettings(BaseModel):
    """Per-camera analysis: input size, classes kept and thresholds."""

    input_size: int = Field(default=416, ge=64, le=1280, description="square model input, px")
    classes: list[str] | None = Field(default=None, description="class names kept; None = all")
    score_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    nms_iou: float = Field(default=0.45, ge=0.0, le=1.0)
    stride: int = Field(default=1, ge=1, description="analyse every k-th decoded frame")
    motion_gate: bool = False
    alpr: bool = Field(default=False, description="read licence plates on vehicle tracks")


class Camera(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    name: str
    source: str = Field(description="file path or rtsp:// URL")
    loop: bool = False
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    latitude: float | None = None
    longitude: float | None = None
    site: str = "local"


class CameraStatus(BaseModel):
    """What a tile shows about its camera: state, why, and when the next retry is due."""

    camera_id: str
    state: CameraState
    message: str = ""
    retry_in_s: float | None = Field(default=None, description="seconds until the next attempt")
