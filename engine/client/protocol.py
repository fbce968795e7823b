"""EngineClient: the one interface the console uses, in-process or remote."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from engine.domain import Camera, CameraStatus, Event, EventKind, FrameResult

# Paging offsets beyond any table; keeps values inside the databases' 64-bit integers.
MAX_OFFSET = 2**31 - 1


class EventQuery(BaseModel):
    camera_id: str | None = None
    kind: EventKind | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class Subscription(Protocol):
    def cancel(self) -> None: ...


class EngineClient(Protocol):
    """Cameras, live frames with their detections, events and snapshots."""

    def list_cameras(self) -> list[Camera]: ...

    def add_camera(self, camera: Camera) -> Camera: ...

    def remove_camera(self, camera_id: str) -> None: ...

    def camera_status(self, camera_id: str) -> CameraStatus: ...

    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> Subscription: ...

    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription: ...

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription: ...

    def list_events(self, query: EventQuery) -> list[Event]: ...

    def get_event(self, event_id: str) -> Event | None: ...

    def get_snapshot(self, key: str) -> bytes: ...

    def close(self) -> None: ...
