"""Running the whole engine (open_engine: detector, tracker, plate stage, storage) over a clip
on an ALPR camera, until the clip has ended and everything is stored."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.assembly import open_engine
from engine.config import Settings
from engine.core import EVENTS, STATUS
from engine.domain import Camera, CameraState, DetectionSettings, Event


def run_alpr_camera(settings: Settings, clip: Path, camera: Camera | None = None) -> list[Event]:
    """Play `clip` once on a new ALPR camera (not paced by the clock); the events it emitted.
    Closing the engine joins the camera thread (its last tracks end) and flushes the sink."""
    camera = camera or Camera(name="gate", source=str(clip))
    camera = camera.model_copy(update={"detection": DetectionSettings(alpr=True)})
    parts = open_engine(settings, realtime=False)
    ended = threading.Event()
    emitted: list[Event] = []
    try:
        parts.core.subscribe(EVENTS, emitted.append)
        parts.core.subscribe(
            STATUS,
            lambda status: (
                status.camera_id == str(camera.id)
                and status.state is CameraState.STOPPED
                and ended.set()
            ),
        )
        parts.core.add_camera(camera)
        assert ended.wait(180), "the camera did not reach the end of the clip"
    finally:
        parts.close()
    return emitted
