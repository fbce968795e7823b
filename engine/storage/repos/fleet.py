"""FleetRepository: registrations (a device row and its device key in one transaction), HTTP
heartbeats and versioned device config on the `devices` table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.storage.database import Database
from engine.storage.models_access import DeviceKeyRow
from engine.storage.models_devices import DeviceRow


class DeviceTaken(Exception):
    """The device already has a live key: revoke it before registering the device again."""


class VersionMismatch(Exception):
    """A config write named a version that is no longer the stored one."""


@dataclass(frozen=True)
class NewRegistration:
    """What registering writes: the device's fields and its key (hash only, never the token)."""

    device_id: str
    kind: str
    location: str | None
    heartbeat_interval_s: float
    config: dict[str, Any]
    key_prefix: str
    key_hash: str
    key_role: str
    registered_by: str


class FleetRepository:
    """Writes of the fleet API; reads of single devices go through here too."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(self, new: NewRegistration, now: datetime) -> tuple[DeviceRow, uuid.UUID]:
        """Create the device (or claim one the gateway saw but nobody registered, or one whose
        key was revoked) and its key, atomically; returns the row and the key's id. Raises
        DeviceTaken when the device holds a live key."""
        key = DeviceKeyRow(
            id=uuid.uuid4(),
            prefix=new.key_prefix,
            key_hash=new.key_hash,
            name=new.device_id,
            role=new.key_role,
            created_by=new.registered_by,
            created_at=now,
        )
        try:
            with self._db.sessions.begin() as session:
                row = session.get(DeviceRow, new.device_id, with_for_update=True)
                if row is None:
                    row = DeviceRow(device_id=new.device_id, created_at=now, online=False)
                    session.add(row)
                elif row.key_prefix is not None:
                    old = session.scalars(
                        select(DeviceKeyRow).where(DeviceKeyRow.prefix == row.key_prefix)
                    ).first()
                    if old is not None and old.revoked_at is None:
                        raise DeviceTaken(new.device_id)
                session.add(key)
                row.kind = new.kind
                row.location = new.location if new.location is not None else row.location
                row.heartbeat_interval_s = new.heartbeat_interval_s
                row.key_prefix = new.key_prefix
                row.registered_by = new.registered_by
                row.config = new.config
                row.config_version = (row.config_version or 0) + 1
                row.config_updated_at = now
                session.flush()
                session.expunge(row)
        except IntegrityError:  # registered concurrently under the same id
            raise DeviceTaken(new.device_id) from None
        return row, key.id

    def get(self, device_id: str) -> DeviceRow | None:
        with self._db.sessions() as session:
            return session.get(DeviceRow, device_id)

    def get_by_key_prefix(self, prefix: str) -> DeviceRow | None:
        with self._db.sessions() as session:
            query = select(DeviceRow).where(DeviceRow.key_prefix == prefix)
            return session.scalars(query).first()

    def heartbeat(
        self,
        device_id: str,
        now: datetime,
        *,
        online: bool,
        status: str,
        firmware: str | None,
        metrics: dict[str, Any] | None,
    ) -> DeviceRow | None:
        """Stamp a heartbeat; None fields keep the stored value. None if no such device."""
        with self._db.sessions.begin() as session:
            row = session.get(DeviceRow, device_id, with_for_update=True)
            if row is None:
                return None
            row.last_seen = now
            row.online = online
            row.status_reason = status
            if firmware is not None:
                row.firmware = firmware
            if metrics is not None:
                row.metrics = metrics
            session.flush()
            session.expunge(row)
            return row

    def mark_offline(self, device_id: str, reason: str) -> None:
        """Offline with `reason` (e.g. revoked), last_seen unchanged; no-op for unknown ids."""
        with self._db.sessions.begin() as session:
            row = session.get(DeviceRow, device_id, with_for_update=True)
            if row is not None:
                row.online = False
                row.status_reason = reason

    def set_config(
        self,
        device_id: str,
        config: dict[str, Any],
        now: datetime,
        expected_version: int | None = None,
    ) -> DeviceRow | None:
        """Replace the config and bump its version. None if no such device; VersionMismatch
        when `expected_version` is given and is not the stored version."""
        with self._db.sessions.begin() as session:
            row = session.get(DeviceRow, device_id, with_for_update=True)
            if row is None:
                return None
            if expected_version is not None and expected_version != row.config_version:
                raise VersionMismatch(device_id)
            row.config = config
            row.config_version = (row.config_version or 0) + 1
            row.config_updated_at = now
            session.flush()
            session.expunge(row)
            return row
