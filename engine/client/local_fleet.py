"""LocalFleet: the in-process client's device side. The fleet service (registrations, the device
list, readings), the command service (commands and config pushes through the gateway) and the
image service (each device's latest camera image), all called as the local user: a principal
with the permissions the roles file gives the console's role (admin by default, so an
installer's or supervisor's console has those rights only); device updates pushed as the
gateway stores them (DeviceFeed); with the demo, the embedded broker, virtual bus stops and the
engine's HTTP API on a loopback port for their camera uploads.

The demo runs on a thread of its own, so the console opens at once (the firmware's host build
may compile on first use); until the broker is up, commands answer Unavailable. That thread owns
the broker and device processes until `close` (or interpreter exit): they end with it, even when
the engine is killed outright. Without cmake,
g++ or mosquitto the demo runs without devices and logs one warning."""

from __future__ import annotations

import atexit
import contextlib
import logging
import secrets
import threading
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr, ValidationError

from engine.config import Settings
from engine.devices.broker_logins import BrokerLogins
from engine.devices.demo_fleet import DemoFleet, StopCredentials
from engine.devices.device_feed import DeviceFeed, DeviceFeedSubscription
from engine.devices.gateway import DeviceGateway
from engine.devices.payloads import DeviceConfigPatch
from engine.domain.device import (
    CommandName,
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)
from engine.security.audit import AuditLog
from engine.security.permissions import Permission, load_roles
from engine.security.principal import Principal, PrincipalKind, camera_scope
from engine.server.loopback import LoopbackServer
from engine.services.access import require
from engine.services.container import Services, broker_logins, build_services
from engine.services.device_commands import DeviceCommandService
from engine.services.errors import Conflict, InvalidInput, Unavailable
from engine.services.fleet import FleetService
from engine.services.schemas_fleet import DeviceRegister
from engine.services.users import system_principal
from engine.storage.blobs import BlobStore
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository
from engine.storage.repos.device_keys import DeviceKeyRepository
from engine.storage.repos.devices import DeviceRepository
from engine.storage.repos.fleet import FleetRepository
from engine.storage.repos.readings import ReadingRepository

log = logging.getLogger(__name__)
# The demo registers its own stops as the engine's setup (audited as user:demo), whatever the
# console's role: a supervisor's demo still shows a live fleet, read-only.
DEMO_SETUP = system_principal("demo")
# The demo's local user: the operator at their own workstation, who may see everything.
LOCAL_ROLE = "admin"


def local_principal(
    settings: Settings, role: str, cameras: Collection[str] | None = None
) -> Principal:
    """The console's own user, with `role`'s permissions from the roles file and, like a user
    row, rights to `cameras` only (None: every camera; a role with all_cameras lifts it)."""
    found = load_roles(settings.roles_file).get(role)
    return Principal(
        kind=PrincipalKind.USER,
        name="console",
        role=role,
        permissions=found.permissions if found else frozenset(),
        cameras=camera_scope(
            ["*"] if cameras is None else list(cameras), bool(found and found.all_cameras)
        ),
        remote="local",
    )


def loopback_services(db: Database, settings: Settings) -> Services:
    """Services for a LocalFleet on its own (no client's services): images in BLOBS_DIR. Nobody
    logs in to its loopback API (devices upload with their keys), so a missing JWT_SECRET or
    POLICY_HMAC_KEY gets a random one for this process."""
    made = {
        name: SecretStr(secrets.token_urlsafe(48))
        for name in ("jwt_secret", "policy_hmac_key")
        if getattr(settings, name) is None
    }
    blobs = BlobStore(settings.resolved_blobs_dir())
    return build_services(db, settings.model_copy(update=made), blobs=blobs)


class LocalFleet:
    """`service` and `commands` are replaced once the demo's broker is up; read them per call.
    `services` (the in-process client's) serves images and the demo's loopback API."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        principal: Principal,
        services: Services | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self.principal = principal
        self._audit = AuditLog(AuditRepository(db))
        self.service = self._fleet_service(broker_logins(settings))
        self.commands = DeviceCommandService(
            None, FleetRepository(db), ReadingRepository(db), self._audit
        )
        self._api = services or loopback_services(db, settings)
        self.feed = DeviceFeed(self.list_devices)
        self._demo: DemoFleet | None = None
        self._starting: threading.Thread | None = None
        self._stop = threading.Event()
        self.demo_ready = threading.Event()

    def _fleet_service(self, logins: BrokerLogins | None) -> FleetService:
        db = self._db
        return FleetService(
            FleetRepository(db),
            DeviceRepository(db),
            ReadingRepository(db),
            self._audit,
            keys=DeviceKeyRepository(db),
            logins=logins,
        )

    def start_demo(self, state_dir: Path) -> None:
        """Start the demo's broker, gateway and bus stops in the background."""
        self._demo = DemoFleet(self._db, state_dir, root=self._settings.mqtt_topic_root)
        self._starting = threading.Thread(target=self._run_demo, name="demo-fleet", daemon=True)
        self._starting.start()
        atexit.register(self.close)  # a script that never closes its client leaves nothing

    @property
    def demo(self) -> DemoFleet | None:
        """The demo's broker, gateway and stops (None without the demo)."""
        return self._demo

    def _run_demo(self) -> None:
        demo = self._demo
        assert demo is not None
        uploads: LoopbackServer | None = None
        try:
            logins, gateway = demo.start_broker()
            self._attach(logins, gateway)
            uploads = self._serve_uploads()
            demo.upload_url = f"{uploads.url}/api/upload"
            demo.start_devices(self._register_demo_stop)
        except Exception as exc:  # missing tools, a broker that would not start: no devices
            log.warning("demo devices not started: %s", exc)
        finally:
            self.demo_ready.set()
        self._stop.wait()
        demo.close()
        if uploads is not None:
            uploads.stop()

    def _serve_uploads(self) -> LoopbackServer:
        from engine.server import create_app  # the HTTP stack only when the demo runs

        return LoopbackServer(create_app(self._api, self._settings)).start()

    def _attach(self, logins: BrokerLogins, gateway: DeviceGateway) -> None:
        self.service = self._fleet_service(logins)
        self.commands = DeviceCommandService(
            gateway, FleetRepository(self._db), ReadingRepository(self._db), self._audit
        )
        gateway.add_listener(self.feed.on_activity)

    def _register_demo_stop(self, device_id: str, location: str) -> StopCredentials:
        assert self._demo is not None
        body = DeviceRegister(
            device_id=device_id,
            kind="esp32",
            location=location,
            heartbeat_interval_s=self._demo.heartbeat_s,
        )
        try:
            made = self.service.register(DEMO_SETUP, body)
        except Conflict:
            # The previous run's key: its MQTT login went with that run's broker state, so
            # the broker half of the revocation has nothing to delete.
            with contextlib.suppress(Unavailable):
                self.service.revoke(DEMO_SETUP, device_id)
            made = self.service.register(DEMO_SETUP, body)
        if made.mqtt_password is None:
            raise RuntimeError("the demo broker made no MQTT login")
        self.feed.changed([device_id])
        return StopCredentials(mqtt_password=made.mqtt_password, key=made.key)

    # what LocalEngineClient hands on ----------------------------------------------------------
    def list_devices(self) -> list[DeviceSummary]:
        found = self.service.list(self.principal)
        return [DeviceSummary.model_validate(d.model_dump()) for d in found]

    def device_readings(
        self,
        device_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[Reading]:
        found = self.service.readings(self.principal, device_id, kind, since, None, limit)
        return [Reading.model_validate(r.model_dump()) for r in found]

    def send_command(
        self, device_id: str, command: CommandName, *, duration_ms: int | None = None
    ) -> DeviceAck:
        return self.commands.send_command(
            self.principal, device_id, command, duration_ms=duration_ms
        )

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> DeviceAck | None:
        try:
            return self.commands.push_config(self.principal, device_id, patch)
        finally:
            self.feed.changed([device_id])  # its config and version on the fleet row

    def latest_device_image(self, device_id: str) -> DeviceSnapshot | None:
        found = self._api.images.latest(self.principal, device_id)
        if found is None:
            return None
        meta, data = found
        return DeviceSnapshot(
            device_id=meta.device_id,
            filename=meta.filename,
            uploaded_at=meta.timestamp,
            content_type=meta.content_type,
            width=meta.width,
            height=meta.height,
            data=data,
        )

    def subscribe_devices(self, callback: Callable[[DeviceUpdate], None]) -> DeviceFeedSubscription:
        require(self.principal, Permission.FLEET_READ, self._audit, "device.subscribe")
        return self.feed.subscribe(callback)

    def register_device(
        self, device_id: str, *, kind: str = "esp32", location: str | None = None
    ) -> DeviceCredentials:
        try:
            body = DeviceRegister.model_validate(
                {"device_id": device_id, "kind": kind, "location": location}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InvalidInput(f"{where}: {first['msg']}") from None
        made = self.service.register(self.principal, body)
        self.feed.changed([device_id])
        return DeviceCredentials.model_validate(made.model_dump())

    def revoke_device(self, device_id: str) -> None:
        self.service.revoke(self.principal, device_id)
        self.feed.changed([device_id])

    def close(self) -> None:
        """Stop the demo's devices, gateway and broker (waits for a start in progress)."""
        if self._starting is not None:
            atexit.unregister(self.close)
            self._stop.set()
            self._starting.join()
        self.feed.close()
