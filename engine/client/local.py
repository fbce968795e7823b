"""LocalEngineClient: the EngineClient of an engine running in this process.

Every call goes through the service layer (engine.services) as the console's own user, a
Principal with the role and camera rights it was opened with: the same permission, camera and
plate-masking rules as a remote engine's REST, WebSocket and WebRTC channels. Rights are
checked once per call or subscription; frames then flow from the camera thread straight to the
callback (only their plate text is masked where the role may not see it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from engine.assembly import EngineParts, open_engine
from engine.client.local_fleet import LOCAL_ROLE, LocalFleet, local_principal
from engine.client.protocol import EventQuery, Subscription
from engine.client.snapshot_keys import SnapshotKeys
from engine.config import Settings
from engine.core import EVENTS, STATUS
from engine.devices.payloads import DeviceConfigPatch
from engine.domain import Camera, CameraStatus, DetectionSettings, Event, FrameResult
from engine.domain.device import (
    CommandName,
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)
from engine.resources import resource_path
from engine.security.principal import Principal
from engine.services import NotFound, Services, build_services
from engine.services.cameras import CameraCreate

__all__ = ["LOCAL_ROLE", "LocalEngineClient", "in_process_services", "open_local_client"]

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


def in_process_services(parts: EngineParts) -> Services:
    """The services over the in-process engine. Nothing here issues login tokens, so a missing
    JWT_SECRET (or POLICY_HMAC_KEY) gets a random one for this process, silently."""
    settings = parts.core.settings
    missing = {
        name: SecretStr(secrets.token_urlsafe(48))
        for name in ("jwt_secret", "policy_hmac_key")
        if getattr(settings, name) is None
    }
    settings = settings.model_copy(update=missing) if missing else settings
    return build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)


class LocalEngineClient:
    """`principal` is the local user (default: LOCAL_ROLE on every camera); `services` the
    service layer over `parts` (in_process_services); `fleet` the devices, as that user."""

    def __init__(
        self,
        parts: EngineParts,
        services: Services | None = None,
        principal: Principal | None = None,
        fleet: LocalFleet | None = None,
    ) -> None:
        self._parts = parts
        self._core = parts.core
        settings = parts.core.settings
        self.principal = principal or local_principal(settings, LOCAL_ROLE)
        self.services = services or in_process_services(parts)
        self.fleet = fleet or LocalFleet(parts.database, settings, self.principal, self.services)
        self._snapshots = SnapshotKeys()

    def list_cameras(self) -> list[Camera]:
        return [found.to_camera() for found in self.services.cameras.list(self.principal)]

    def add_camera(self, camera: Camera) -> Camera:
        return self.services.cameras.add(self.principal, CameraCreate.of(camera)).to_camera()

    def remove_camera(self, camera_id: str) -> None:
        self.services.cameras.remove(self.principal, camera_id)

    def camera_status(self, camera_id: str) -> CameraStatus:
        return self.services.cameras.status(self.principal, camera_id)

    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> Subscription:
        grant = self.services.video.open(self.principal, camera_id)  # the right, checked once
        present = grant.present  # a no-op unless the frame carries plate text to mask
        return grant.subscribe_results(lambda result: callback(present(result)))

    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription:
        viewer = self.services.live.viewer(self.principal)
        remember = self._snapshots.remember

        def deliver(event: Event) -> None:
            if viewer.sees(event.camera_id):
                callback(remember(viewer.event(event)))

        return self._core.subscribe(EVENTS, deliver)

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription:
        viewer = self.services.live.viewer(self.principal)

        def deliver(status: CameraStatus) -> None:
            if viewer.sees(status.camera_id):
                callback(status)

        return self._core.subscribe(STATUS, deliver)

    def list_events(self, query: EventQuery) -> list[Event]:
        found = self.services.events.list(self.principal, query)
        return [self._snapshots.remember(event) for event in found]

    def get_event(self, event_id: str) -> Event | None:
        try:
            event = self.services.events.get(self.principal, event_id)
        except NotFound:
            return None
        return self._snapshots.remember(event)

    def get_snapshot(self, key: str) -> bytes:
        event_id = self._snapshots.event_id(key)
        return self.services.plates.snapshot(self.principal, event_id)

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

    def subscribe_devices(self, callback: Callable[[DeviceUpdate], None]) -> Subscription:
        return self.fleet.subscribe_devices(callback)

    def latest_device_image(self, device_id: str) -> DeviceSnapshot | None:
        return self.fleet.latest_device_image(device_id)

    def close(self) -> None:
        self.services.live.feed.detach()
        self.fleet.close()  # devices and the demo broker before the database they write to
        self._parts.close()


def open_local_client(
    settings: Settings,
    *,
    demo: bool = False,
    alpr: bool = False,
    realtime: bool = True,
    role: str = LOCAL_ROLE,
    cameras: Collection[str] | None = None,
) -> LocalEngineClient:
    """Start the in-process engine; with `demo`, make sure the bundled demo cameras exist (with
    `alpr` also the plate-reading one). The local user has `role`'s rights (roles file) on
    `cameras` (None: every camera), exactly as a remote user with that role and camera list."""
    parts = open_engine(settings, realtime=realtime)
    principal = local_principal(settings, role, cameras)
    services = in_process_services(parts)
    fleet = LocalFleet(parts.database, settings, principal, services)
    client = LocalEngineClient(parts, services, principal, fleet)
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
