"""Value types shared by every engine stage and by the console. No I/O here."""

from engine.domain.camera import Camera, CameraState, CameraStatus, DetectionSettings
from engine.domain.detections import NO_TRACK, Detections, box_iou
from engine.domain.device import (
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)
from engine.domain.event import Event, EventKind, utc_now
from engine.domain.frame import Frame
from engine.domain.frame_result import FrameResult

__all__ = [
    "NO_TRACK",
    "Camera",
    "CameraState",
    "CameraStatus",
    "DetectionSettings",
    "Detections",
    "DeviceAck",
    "DeviceCredentials",
    "DeviceSnapshot",
    "DeviceSummary",
    "DeviceUpdate",
    "Event",
    "EventKind",
    "Frame",
    "FrameResult",
    "Reading",
    "box_iou",
    "utc_now",
]
