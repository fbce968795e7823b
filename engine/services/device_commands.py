"""DeviceCommandService: commands and config pushes to MQTT devices (the bus stops) through the
engine's gateway, under the fleet's rights (fleet.manage) and audited like registrations.

The device answers on `{root}/ack/{device_id}`; the gateway stores that ack as a reading, and
the answer is found there by the command's id, so an ack is reported only once it is stored."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from engine.devices.gateway import DeviceGateway
from engine.devices.payloads import DeviceCommand, DeviceConfigPatch
from engine.domain.device import CommandName, DeviceAck
from engine.security.audit import AuditLog, Outcome
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.errors import NotFound, Unavailable
from engine.storage.repos.fleet import FleetRepository
from engine.storage.repos.readings import ReadingRepository

ACK_TIMEOUT_S = 10.0
# Acks are stamped with the device's clock: look back far enough for a device that lags.
ACK_LOOKBACK = timedelta(minutes=5)
POLL_S = 0.1


class DeviceCommandService:
    """Sends commands (BEEP, CAPTURE, REBOOT) and config patches. Without a gateway (no device
    broker in this engine) every call raises Unavailable."""

    def __init__(
        self,
        gateway: DeviceGateway | None,
        fleet: FleetRepository,
        readings: ReadingRepository,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        *,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self._gateway = gateway
        self._fleet = fleet
        self._readings = readings
        self._audit = audit
        self._clock = clock
        # Told the id of each device whose config changed (the device stream pushes it).
        self._on_change = on_change or (lambda _device_id: None)

    def send_command(
        self,
        principal: Principal,
        device_id: str,
        command: CommandName,
        *,
        duration_ms: int | None = None,
        timeout: float = ACK_TIMEOUT_S,
    ) -> DeviceAck:
        """Publish the command and wait for the device's ack; Unavailable when none comes."""
        target = f"device:{device_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device.command", target)
        gateway = self._ready(device_id)
        message = DeviceCommand(id=_new_id(), command=command, duration_ms=duration_ms)
        since = self._clock() - ACK_LOOKBACK
        self._publish(principal, target, "device.command", gateway.send_command, message)
        ack = self._wait_ack(device_id, message.id, since, timeout)
        if ack is None:
            self._audit.record(principal, "device.command", target, Outcome.FAILED)
            raise Unavailable(f"the device did not acknowledge within {timeout:g} s")
        self._audit.record(principal, "device.command", target)
        return ack

    def push_config(
        self,
        principal: Principal,
        device_id: str,
        patch: DeviceConfigPatch,
        *,
        timeout: float = ACK_TIMEOUT_S,
    ) -> DeviceAck | None:
        """Set the device's retained config (applied now and at every reconnect), keep the
        merged config on its fleet row, and return the device's CONFIG ack, or None when it
        did not answer in time (an offline device applies it when it comes back)."""
        target = f"device:{device_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device.config", target)
        gateway = self._ready(device_id)
        stamped = patch.model_copy(update={"id": _new_id()})
        since = self._clock() - ACK_LOOKBACK
        self._publish(principal, target, "device.config", gateway.push_config, stamped)
        row = self._fleet.get(device_id)
        changes = stamped.model_dump(exclude_none=True, exclude={"id"})
        self._fleet.set_config(
            device_id, {**((row and row.config) or {}), **changes}, self._clock()
        )
        self._audit.record(principal, "device.config", target)
        self._on_change(device_id)
        return self._wait_ack(device_id, str(stamped.id), since, timeout)

    def _ready(self, device_id: str) -> DeviceGateway:
        if self._gateway is None:
            raise Unavailable("this engine has no device broker (serve with MQTT_BROKER set)")
        if self._fleet.get(device_id) is None:
            raise NotFound()
        return self._gateway

    def _publish(self, principal: Principal, target: str, action: str, send, message) -> None:
        device_id = target.removeprefix("device:")
        try:
            send(device_id, message)
        except (OSError, RuntimeError, ValueError) as exc:  # paho: not connected, timed out
            self._audit.record(principal, action, target, Outcome.FAILED)
            raise Unavailable("the device broker did not take the message") from exc

    def _wait_ack(
        self, device_id: str, command_id: str, since: datetime, timeout: float
    ) -> DeviceAck | None:
        deadline = time.monotonic() + timeout
        while True:
            for row in self._readings.list(device_id, "ack", start=since, limit=1000):
                data = row.data or {}
                if data.get("command_id") == command_id:
                    return DeviceAck(
                        device_id=row.device_id,
                        command_id=command_id,
                        command=str(data.get("command", "")),
                        ok=bool(data.get("ok")),
                        detail=str(data.get("detail", "")),
                        ts=row.ts,
                    )
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_S)


def _new_id() -> str:
    return uuid.uuid4().hex[:12]
