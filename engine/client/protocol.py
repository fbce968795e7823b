"""EngineClient: the one interface the console uses, in-process or remote."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from engine.devices.payloads import DeviceConfigPatch
from engine.domain import Camera, CameraStatus, Event, EventKind, FrameResult
from engine.domain.device import (
    CommandName,
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)

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
    """Cameras, live frames with their detections, events and snapshots; the device fleet.
    Device calls raise the services' errors (engine.services.errors): AccessDenied for a role
    without fleet rights, NotFound, Conflict, InvalidInput, Unavailable (no device broker, or
    no acknowledgement in time)."""

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

    # devices ----------------------------------------------------------------------------------
    def list_devices(self) -> list[DeviceSummary]: ...

    def subscribe_devices(self, callback: Callable[[DeviceUpdate], None]) -> Subscription:
        """`callback` on a thread of the client's for each device change as it is stored:
        online/offline (a last will included), last seen, new readings and acks, a new camera
        image, registrations and revocations. AccessDenied without fleet.read."""
        ...

    def latest_device_image(self, device_id: str) -> DeviceSnapshot | None:
        """The device's newest uploaded camera image (None: it has none)."""
        ...

    def device_readings(
        self,
        device_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[Reading]:
        """Oldest first, at most `limit` (1..1000), from `since` (the device's clock)."""
        ...

    def send_command(
        self, device_id: str, command: CommandName, *, duration_ms: int | None = None
    ) -> DeviceAck:
        """Publish BEEP, CAPTURE or REBOOT and wait (about 10 s at most) for the device's ack."""
        ...

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> DeviceAck | None:
        """Set the device's retained config; its CONFIG ack, or None if it did not answer."""
        ...

    def register_device(
        self, device_id: str, *, kind: str = "esp32", location: str | None = None
    ) -> DeviceCredentials:
        """Register a device; the credentials are shown this once."""
        ...

    def revoke_device(self, device_id: str) -> None:
        """Revoke its key and MQTT login: the broker drops it, it shows offline (revoked)."""
        ...

    def close(self) -> None: ...
