"""LocalEngineClient: the EngineClient of an engine running in this process."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from engine.assembly import EngineParts, open_engine
from engine.client.local_fleet import LocalFleet, local_principal
from engine.client.plate_view import LOCAL_ROLE, PlateView
from engine.client.protocol import EventQuery, Subscription
from engine.config import Settings
from engine.core import EVENTS, STATUS
from engine.devices.payloads import DeviceConfigPatch
from engine.domain import Camera, CameraStatus, DetectionSettings, Event, FrameResult
from engine.domain.device import CommandName, DeviceAck, DeviceCredentials, DeviceSummary, Reading
from engine.resources import resource_path
from engine.security.audit import AuditLog
from engine.storage.repos.audit import AuditRepository

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
# `--alpr`: a fifth camera, reading plates. Opt-in: ALPR cameras run in the console's own
# process (threads, with the OCR models), so it costs the wall painting time.
DEMO_PLATE_CLIP = "generated/plate_pixabay_street.mp4"  # made by scripts/make_plate_clip.py
DEMO_PLATE_DETECTION = DEMO_DETECTION.model_copy(update={"alpr": True})


class LocalEngineClient:
    """`plates` is how the local user sees plate text (PlateView.for_role; the demo's user is
    LOCAL_ROLE): frames and events pass through it before any callback sees them."""

    def __init__(
        self,
        parts: EngineParts,
        plates: PlateView | None = None,
        fleet: LocalFleet | None = None,
    ) -> None:
        self._parts = parts
        self._core = parts.core
        self.plates = plates or PlateView(show_plates=True)
        self.fleet = fleet or LocalFleet(
            parts.database, parts.core.settings, local_principal(parts.core.settings, LOCAL_ROLE)
        )

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
        view = self.plates.frame
        return self._core.subscribe(
            self._core.frames_topic(camera_id), lambda result: callback(view(result))
        )

    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription:
        view = self.plates.event
        return self._core.subscribe(EVENTS, lambda event: callback(view(event)))

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription:
        return self._core.subscribe(STATUS, callback)

    def list_events(self, query: EventQuery) -> list[Event]:
        found = self._core.events_repo.list(
            camera_id=query.camera_id,
            kind=query.kind,
            start=query.start,
            end=query.end,
            limit=query.limit,
            offset=query.offset,
        )
        return [self.plates.event(event) for event in found]

    def get_event(self, event_id: str) -> Event | None:
        try:
            event = self._core.events_repo.get(uuid.UUID(event_id))
        except ValueError:
            return None
        return self.plates.event(event) if event is not None else None

    def get_snapshot(self, key: str) -> bytes:
        return self.plates.snapshot(key, self._core.blobs.read(key))

    # devices (LocalFleet: the fleet services, called as the local user) -----------------------
    def list_devices(self) -> list[DeviceSummary]:
        return self.fleet.list_devices()

    def device_readings(
        self,
        device_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[Reading]:
        return self.fleet.device_readings(device_id, kind, since, limit)

    def send_command(
        self, device_id: str, command: CommandName, *, duration_ms: int | None = None
    ) -> DeviceAck:
        return self.fleet.send_command(device_id, command, duration_ms=duration_ms)

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> DeviceAck | None:
        return self.fleet.push_config(device_id, patch)

    def register_device(
        self, device_id: str, *, kind: str = "esp32", location: str | None = None
    ) -> DeviceCredentials:
        return self.fleet.register_device(device_id, kind=kind, location=location)

    def revoke_device(self, device_id: str) -> None:
        self.fleet.revoke_device(device_id)

    def close(self) -> None:
        self.fleet.close()  # devices and the demo broker before the database they write to
        self._parts.close()


def open_local_client(
    settings: Settings,
    *,
    demo: bool = False,
    alpr: bool = False,
    realtime: bool = True,
    role: str = LOCAL_ROLE,
) -> LocalEngineClient:
    """Start the in-process engine; with `demo`, make sure the bundled demo cameras exist (with
    `alpr` also the plate-reading one). `role` (roles file) decides whether plates show."""
    parts = open_engine(settings, realtime=realtime)
    principal = local_principal(settings, role)
    audit = AuditLog(AuditRepository(parts.database))
    plates = PlateView.for_role(
        settings, role, audit=lambda action, target: audit.record(principal, action, target)
    )
    fleet = LocalFleet(parts.database, settings, principal)
    client = LocalEngineClient(parts, plates, fleet)
    if demo:
        fleet.start_demo(settings.data_dir / "demo-fleet")
        known = {camera.name for camera in parts.core.cameras()}
        clips = [(clip, DEMO_DETECTION) for clip in DEMO_CLIPS]
        if alpr:
            clips.append((DEMO_PLATE_CLIP, DEMO_PLATE_DETECTION))
        for clip, detection in clips:
            name = Path(clip).stem
            if name not in known:
                parts.core.cameras_repo.add(
                    Camera(
                        name=name,
                        source=str(resource_path("clips", *clip.split("/"))),
                        loop=True,
                        detection=detection,
                        site=settings.site,
                    )
                )
    parts.core.start_saved_cameras()
    return client
