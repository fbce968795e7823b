"""LocalFleet: the in-process client's device side. The fleet service (registrations, the device
list, readings) and the command service (commands and config pushes through the gateway), both
called as the local user: a principal with the permissions the roles file gives the console's
role (admin by default, so an installer's or supervisor's console has those rights only); with
the demo, the embedded broker and virtual bus stops.

The demo runs on a thread of its own, so the console opens at once (the firmware's host build
may compile on first use); until the broker is up, commands answer Unavailable. That thread owns
the broker and device processes until `close` (or interpreter exit): they end with it, even when
the engine is killed outright. Without cmake,
g++ or mosquitto the demo runs without devices and logs one warning."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from engine.config import Settings
from engine.devices.broker_logins import BrokerLogins
from engine.devices.demo_fleet import DemoFleet
from engine.devices.gateway import DeviceGateway
from engine.devices.payloads import DeviceConfigPatch
from engine.domain.device import CommandName, DeviceAck, DeviceCredentials, DeviceSummary, Reading
from engine.security.audit import AuditLog
from engine.security.permissions import load_roles
from engine.security.principal import Principal, PrincipalKind
from engine.services.container import broker_logins
from engine.services.device_commands import DeviceCommandService
from engine.services.errors import Conflict, InvalidInput, Unavailable
from engine.services.fleet import FleetService
from engine.services.schemas_fleet import DeviceRegister
from engine.services.users import system_principal
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


def local_principal(settings: Settings, role: str) -> Principal:
    """The console's own user, with `role`'s permissions from the roles file."""
    return Principal(
        kind=PrincipalKind.USER,
        name="console",
        role=role,
        permissions=load_roles(settings.roles_file).permissions(role),
        cameras=None,
        remote="local",
    )


class LocalFleet:
    """`service` and `commands` are replaced once the demo's broker is up; read them per call."""

    def __init__(self, db: Database, settings: Settings, principal: Principal) -> None:
        self._db = db
        self._settings = settings
        self.principal = principal
        self._audit = AuditLog(AuditRepository(db))
        self.service = self._fleet_service(broker_logins(settings))
        self.commands = DeviceCommandService(
            None, FleetRepository(db), ReadingRepository(db), self._audit
        )
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

    def _run_demo(self) -> None:
        demo = self._demo
        assert demo is not None
        try:
            logins, gateway = demo.start_broker()
            self._attach(logins, gateway)
            demo.start_devices(self._register_demo_stop)
        except Exception as exc:  # missing tools, a broker that would not start: no devices
            log.warning("demo devices not started: %s", exc)
        finally:
            self.demo_ready.set()
        self._stop.wait()
        demo.close()

    def _attach(self, logins: BrokerLogins, gateway: DeviceGateway) -> None:
        self.service = self._fleet_service(logins)
        self.commands = DeviceCommandService(
            gateway, FleetRepository(self._db), ReadingRepository(self._db), self._audit
        )

    def _register_demo_stop(self, device_id: str, location: str) -> str:
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
        return made.mqtt_password

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
        return self.commands.push_config(self.principal, device_id, patch)

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
        return DeviceCredentials.model_validate(made.model_dump())

    def revoke_device(self, device_id: str) -> None:
        self.service.revoke(self.principal, device_id)

    def close(self) -> None:
        """Stop the demo's devices, gateway and broker (waits for a start in progress)."""
        if self._starting is not None:
            atexit.unregister(self.close)
            self._stop.set()
            self._starting.join()
