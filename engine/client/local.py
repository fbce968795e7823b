"""LocalEngineClient: the EngineClient of an engine running in this process."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from engine.assembly import EngineParts, open_engine
from engine.client.protocol import EventQuery, Subscription
from engine.config import Settings
from engine.core import EVENTS, STATUS
from engine.domain import Camera, CameraStatus, Event, FrameResult
from engine.resources import resource_path

DEMO_CLIPS = ("traffic_street_fixedcam.mp4",)


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
                        site=settings.site,
                    )
                )
    parts.core.start_saved_cameras()
    return client
