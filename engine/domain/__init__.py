"""Value types shared by every engine stage and by the console. No I/O here."""

from engine.domain.camera import Camera, CameraState, DetectionSettings
from engine.domain.detections import NO_TRACK, Detections, box_iou
from engine.domain.event import Event, EventKind, utc_now
from engine.domain.frame import Frame

__all__ = [
    "NO_TRACK",
    "Camera",
    "CameraState",
    "DetectionSettings",
    "Detections",
    "Event",
    "EventKind",
    "Frame",
    "box_iou",
    "utc_now",
]
