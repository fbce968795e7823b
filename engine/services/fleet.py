"""FleetService: SmartPole's fleet API for HTTP devices (seeds 000/001): register a device and
hand out its key once, heartbeats, versioned config, the device list with online/offline, and
readings by device, kind and time."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from engine.devices.broker_logins import BrokerLoginError, BrokerLogins
from engine.security.audit import AuditLog, Outcome
from engine.security.device_keys import new_device_key
from engine.security.permissions import DEVICE_ROLE, Permission
from engine.security.principal import Principal, PrincipalKind
from engine.services.access import require
from engine.services.errors import AccessDenied, Conflict, InvalidInput, NotFound, Unavailable
from engine.services.schemas_fleet import (
    DEFAULT_HEARTBEAT_S,
    DeviceConfigPublic,
    DeviceConfigUpdate,
    DevicePublic,
    DeviceRegister,
    DeviceRegistered,
    Heartbeat,
    HeartbeatAck,
    ReadingPublic,
)
from engine.storage.models_devices import DeviceRow
from engine.storage.repos.device_keys import DeviceKeyRepository
from engine.storage.repos.devices import DeviceRepository
from engine.storage.repos.fleet import (
    DeviceTaken,
    FleetRepository,
    NewRegistration,
    VersionMismatch,
)
from engine.storage.repos.readings import ReadingRepository

MISSED_BEATS = 3  # offline once this many heartbeat intervals pass without a word
MAX_READINGS = 1000


def key_prefix_of(principal: Principal) -> str | None:
    """The device key's public prefix for a device-key principal (DeviceKeyService names them
    `<key name>:<prefix>`), None for users and the seed API_KEY."""
    if principal.kind is not PrincipalKind.DEVICE:
        return None
    return principal.name.rpartition(":")[2] or None


def is_online(row: DeviceRow, now: datetime) -> bool:
    """Its last status said online and it was heard from within MISSED_BEATS intervals."""
    if not row.online or row.last_seen is None:
        return False
    interval = row.heartbeat_interval_s or DEFAULT_HEARTBEAT_S
    return now - row.last_seen <= timedelta(seconds=interval * MISSED_BEATS)


class FleetService:
    """Installers and admins (fleet.manage) register devices and write config; supervisors
    too read the list (fleet.read). A device (fleet.report) heartbeats and reads config only
    for the device its key is bound to: any other credential gets AccessDenied there."""

    def __init__(
        self,
        fleet: FleetRepository,
        devices: DeviceRepository,
        readings: ReadingRepository,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        *,
        keys: DeviceKeyRepository | None = None,
        logins: BrokerLogins | None = None,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self._fleet = fleet
        self._devices = devices
        self._readings = readings
        self._audit = audit
        self._clock = clock
        self._keys = keys
        # MQTT logins on the device broker (dynamic security); None: the broker has no logins.
        self._logins = logins
        # Told the id of each device this service changed (the device stream pushes it).
        self._on_change = on_change or (lambda _device_id: None)

    def register(self, principal: Principal, body: DeviceRegister) -> DeviceRegistered:
        target = f"device:{body.device_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device.register", target)
        made = new_device_key()
        new = NewRegistration(
            device_id=body.device_id,
            kind=body.kind,
            location=body.location,
            heartbeat_interval_s=body.heartbeat_interval_s,
            config=body.config,
            key_prefix=made.prefix,
            key_hash=made.digest,
            key_role=DEVICE_ROLE,
            registered_by=principal.actor,
        )
        try:
            row, key_id = self._fleet.register(new, self._clock())
        except DeviceTaken:
            self._audit.record(principal, "device.register", target, Outcome.FAILED)
            raise Conflict("device already registered with a live key (revoke it first)") from None
        mqtt_password = None
        if self._logins is not None:
            try:
                mqtt_password = self._logins.add_device(body.device_id)
            except (BrokerLoginError, ValueError) as exc:
                # No half-registered device: without its MQTT login, its key goes too.
                if self._keys is not None:
                    self._keys.revoke(key_id, self._clock())
                self._audit.record(principal, "device.register", target, Outcome.FAILED)
                raise Unavailable("the device broker could not create the login") from exc
        self._audit.record(principal, "device.register", target)
        self._on_change(body.device_id)
        return DeviceRegistered(
            device_id=row.device_id,
            key=made.token,
            key_id=str(key_id),
            key_prefix=made.prefix,
            config_version=row.config_version,
            mqtt_username=body.device_id if mqtt_password else None,
            mqtt_password=mqtt_password,
        )

    def revoke(self, principal: Principal, device_id: str) -> None:
        """Cut a device off: its key is revoked and its MQTT login deleted (the broker drops
        it if connected). Its row and readings stay; registering again issues new secrets."""
        target = f"device:{device_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device.revoke", target)
        row = self._fleet.get(device_id)
        if row is None:
            raise NotFound()
        if self._keys is not None and row.key_prefix:
            stored = self._keys.get_by_prefix(row.key_prefix)
            if stored is not None and not stored.revoked:
                self._keys.revoke(stored.id, self._clock())
        if self._logins is not None:
            try:
                self._logins.revoke_device(device_id)
            except BrokerLoginError as exc:
                self._audit.record(principal, "device.revoke", target, Outcome.FAILED)
                raise Unavailable("the device broker could not delete the login") from exc
        # The broker drops it without its last will: the list shows why it went quiet.
        self._fleet.mark_offline(device_id, "revoked")
        self._audit.record(principal, "device.revoke", target)
        self._on_change(device_id)

    def heartbeat(self, principal: Principal, device_id: str, body: Heartbeat) -> HeartbeatAck:
        self._require_self(principal, device_id, "device.heartbeat")
        now = self._clock()
        row = self._fleet.heartbeat(
            device_id,
            now,
            online=body.status != "offline",
            status=body.status,
            firmware=body.firmware,
            metrics=body.metrics,
        )
        if row is None:
            raise NotFound()
        self._on_change(device_id)
        return HeartbeatAck(
            device_id=device_id,
            online=is_online(row, now),
            config_version=row.config_version,
            heartbeat_interval_s=row.heartbeat_interval_s or DEFAULT_HEARTBEAT_S,
            server_time=now,
        )

    def get_config(self, principal: Principal, device_id: str) -> DeviceConfigPublic:
        row = self._require_self(principal, device_id, "device.config.read")
        return _config_of(row)

    def put_config(
        self, principal: Principal, device_id: str, body: DeviceConfigUpdate
    ) -> DeviceConfigPublic:
        target = f"device:{device_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device.config", target)
        try:
            row = self._fleet.set_config(device_id, body.config, self._clock(), body.if_version)
        except VersionMismatch:
            raise Conflict("config changed since that version; read it again") from None
        if row is None:
            raise NotFound()
        self._audit.record(principal, "device.config", target)
        self._on_change(device_id)
        return _config_of(row)

    def list(self, principal: Principal) -> list[DevicePublic]:
        require(principal, Permission.FLEET_READ, self._audit, "device.list")
        now = self._clock()
        return [device_public(row, now) for row in self._devices.list()]

    def get(self, principal: Principal, device_id: str) -> DevicePublic:
        require(principal, Permission.FLEET_READ, self._audit, "device.get")
        row = self._fleet.get(device_id)
        if row is None:
            raise NotFound()
        return device_public(row, self._clock())

    def readings(
        self,
        principal: Principal,
        device_id: str | None = None,
        kind: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = MAX_READINGS,
    ) -> builtins.list[ReadingPublic]:
        """Readings oldest first (per device and boot, by seq); start inclusive, end exclusive."""
        require(principal, Permission.FLEET_READ, self._audit, "reading.list")
        if start is not None and end is not None and end <= start:
            raise InvalidInput("end must be after start")
        if not 1 <= limit <= MAX_READINGS:
            raise InvalidInput(f"limit must be 1..{MAX_READINGS}")
        rows = self._readings.list(device_id, kind, start, end, limit)
        return [ReadingPublic.model_validate(row, from_attributes=True) for row in rows]

    def bound_device(self, principal: Principal) -> DeviceRow | None:
        """The device this principal's key is bound to (registered with it), if any."""
        prefix = key_prefix_of(principal)
        return self._fleet.get_by_key_prefix(prefix) if prefix else None

    def _require_self(self, principal: Principal, device_id: str, action: str) -> DeviceRow:
        """fleet.report, an existing device, and the caller's key is the one bound to it."""
        target = f"device:{device_id}"
        require(principal, Permission.FLEET_REPORT, self._audit, action, target)
        row = self._fleet.get(device_id)
        if row is None:
            raise NotFound()
        prefix = key_prefix_of(principal)
        if prefix is None or row.key_prefix != prefix:
            self._audit.record(principal, action, target, Outcome.DENIED)
            raise AccessDenied()
        return row


def _config_of(row: DeviceRow) -> DeviceConfigPublic:
    return DeviceConfigPublic(
        device_id=row.device_id,
        version=row.config_version,
        config=row.config or {},
        updated_at=row.config_updated_at,
    )


def device_public(row: DeviceRow, now: datetime) -> DevicePublic:
    """A device row as `GET /devices` shows it, online or not at `now`."""
    return DevicePublic(
        device_id=row.device_id,
        kind=row.kind,
        location=row.location,
        firmware=row.firmware,
        online=is_online(row, now),
        status=row.status_reason,
        last_seen=row.last_seen,
        heartbeat_interval_s=row.heartbeat_interval_s or DEFAULT_HEARTBEAT_S,
        registered=row.key_prefix is not None,
        metrics=row.metrics,
        config=row.config or {},
        config_version=row.config_version or 0,
        created_at=row.created_at,
    )
