"""build_pipeline: a camera's analysis stages, the same in a camera thread and a camera process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.config import Settings
from engine.domain import Camera
from engine.events.lifecycle import TrackEventEmitter
from engine.events.snapshots import SnapshotWriter
from engine.pipeline import CameraPipeline
from engine.vision.detector import Detector
from engine.vision.motion import MotionGate, MotionGateSettings
from engine.vision.tracker import ByteTracker, TrackerSettings

if TYPE_CHECKING:
    from engine.alpr.track_stage import PlateTrackStage


def build_pipeline(
    camera: Camera,
    detector: Detector,
    settings: Settings,
    blobs: Any,
    plates: PlateTrackStage | None = None,
) -> CameraPipeline:
    """Detector -> ByteTrack -> entered/left events with snapshots in `blobs` (-> plates)."""
    emitter = TrackEventEmitter(
        str(camera.id), detector.class_names, settings.events, SnapshotWriter(blobs), camera.site
    )
    return CameraPipeline(
        detector,
        ByteTracker(TrackerSettings()),
        stride=camera.detection.stride,
        motion_gate=MotionGate(MotionGateSettings()) if camera.detection.motion_gate else None,
        events=emitter,
        plates=plates,
    )
