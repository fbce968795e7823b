"""LocalEngineClient: the EngineClient of an engine running in this process."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from engine.assembly import EngineParts, open_engine
from engine.client.protocol import EventQuery, Subscription
from engine.config import Settings
from engine.core import EVENTS, STATUS
from engine.domain import Camera, CameraStatus, DetectionSettings, Event, FrameResult
from engine.resources import resource_path

# The demo wall: four distinct real clips of 24 fps or more (not the 12.5 fps parking lot).
DEMO_CLIPS = (
    "traffic_street_fixedcam.mp4",
    "traffic_motorway_overpass.mp4",
    "traffic_multilane_topdown.mp4",
    "dashcam_highway_udacity.mp4",
)
# Four cameras share two cores with the GUI: every other frame analysed at 320 px keeps
# detection near 12 analysed frames/s per camera; the others get the prediction.
DEMO_DETECTION = DetectionSettings(input_size=320, stride=2)


class LocalEngineClient:
    def __init__(self, parts: EngineParts) -> None:
        self._parts = parts
        self._core = parts.core

    def list_cameras(self) -> list[Camera]:
        return self._core.cameras()

    def add_camera(self, camera: Camera) -> Camera:
        return self._core.add_camera(camera)

    def remove_camera(self, camera_id: str) -> None:
        self._core.remove_camera(camera_id)

    def camera_status(self, camera_id: str) -> CameraStatus:
        return self._core.status(camera_id)

    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> Subscription:
        return self._core.subscribe(self._core.frames_topic(camera_id), callback)

    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription:
        return self._core.subscribe(EVENTS, callback)

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription:
        return self._core.subscribe(STATUS, callback)

    def list_events(self, query: EventQuery) -> list[Event]:
        return self._core.events_repo.list(
            camera_id=query.camera_id,
            kind=query.kind,
            start=query.start,
            end=query.end,
            limit=query.limit,
            offset=query.offset,
        )

    def get_event(self, event_id: str) -> Event | None:
        try:
            return self._core.events_repo.get(uuid.UUID(event_id))
        except ValueError:
            return None

    def get_snapshot(self, key: str) -> bytes:
        return self._core.blobs.read(key)

    def close(self) -> None:
        self._parts.close()


def open_local_client(
    settings: Settings, *, demo: bool = False, realtime: bool = True
) -> LocalEngineClient:
    """Start the in-process engine; with `demo`, make sure the bundled demo cameras exist."""
    parts = open_engine(settings, realtime=realtime)
    client = LocalEngineClient(parts)
    if demo:
        known = {camera.name for camera in parts.core.cameras()}
        for clip in DEMO_CLIPS:
            name = clip.removesuffix(".mp4")
            if name not in known:
                parts.core.cameras_repo.add(
                    Camera(
                        name=name,
                        source=str(resource_path("clips", clip)),
                        loop=True,
                        detection=DEMO_DETECTION,
                        site=settings.site,
                    )
                )
    parts.core.start_saved_cameras()
    return client
