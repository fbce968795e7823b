"""DeviceRepository: the device registry, updated in batches from what devices publish."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone

from pydantic_core import to_json
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from engine.storage.database import Database
from engine.storage.models_devices import DeviceRow


@dataclass
class DeviceSighting:
    """What one batch learned about a device; None fields leave the stored value as it is."""

    device_id: str
    last_seen: datetime
    kind: str = "esp32"
    location: str | None = None
    firmware: str | None = None
    online: bool | None = None
    status_reason: str | None = None
    boot: int | None = None


# PostgreSQL: the batch as one JSON document in one prepared statement (as readings.py does);
# devices whose batch held a status (or a will) may change `online`, the others may not.
_SET = (
    "location = coalesce(EXCLUDED.location, devices.location), "
    "firmware = coalesce(EXCLUDED.firmware, devices.firmware), "
    "status_reason = coalesce(EXCLUDED.status_reason, devices.status_reason), "
    "boot = coalesce(EXCLUDED.boot, devices.boot), "
    "last_seen = EXCLUDED.last_seen, kind = EXCLUDED.kind"
)
_INSERT = (
    "INSERT INTO devices (device_id, kind, location, firmware, online, status_reason, boot, "
    "last_seen, created_at) SELECT device_id, kind, location, firmware, coalesce(online, false), "
    "status_reason, boot, last_seen, CAST(:now AS timestamptz) FROM sighted"
)
_PG_UPSERT = text(
    "WITH sighted AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS s(device_id text, "
    "kind text, location text, firmware text, online boolean, status_reason text, boot integer, "
    "last_seen timestamptz)), "
    f"plain AS ({_INSERT} WHERE online IS NULL "
    f"ON CONFLICT (device_id) DO UPDATE SET {_SET}) "
    f"{_INSERT} WHERE online IS NOT NULL "
    f"ON CONFLICT (device_id) DO UPDATE SET {_SET}, online = EXCLUDED.online"
)
_FIELDS = tuple(f.name for f in fields(DeviceSighting))


class DeviceRepository:
    """Reads and upserts `devices` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert_many(self, sightings: Iterable[DeviceSighting]) -> None:
        """Insert new devices and update known ones, one statement per batch."""
        if self._db.dialect == "postgresql":
            self._upsert_postgresql(sightings)
            return
        rows = [asdict(s) for s in sightings]
        if not rows:
            return
        now = datetime.now(timezone.utc)
        with_status, plain = [], []
        for row in rows:
            (plain if row["online"] is None else with_status).append(row)
            row["created_at"] = now
            row["online"] = bool(row["online"])  # a new device is offline until its status says
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        insert = dialect.insert(DeviceRow)
        table = DeviceRow.__table__.c
        new = insert.excluded
        update = {
            name: func.coalesce(new[name], table[name])
            for name in ("location", "firmware", "status_reason", "boot")
        }
        update |= {"last_seen": new.last_seen, "kind": new.kind}
        with self._db.sessions.begin() as session:
            # Only status messages (the device's or its will) may change `online`.
            if plain:
                session.execute(
                    insert.on_conflict_do_update(index_elements=["device_id"], set_=update), plain
                )
            if with_status:
                session.execute(
                    insert.on_conflict_do_update(
                        index_elements=["device_id"], set_={**update, "online": new.online}
                    ),
                    with_status,
                )

    def _upsert_postgresql(self, sightings: Iterable[DeviceSighting]) -> None:
        rows = [{name: getattr(s, name) for name in _FIELDS} for s in sightings]
        if not rows:
            return
        for row in rows:
            if row["last_seen"].tzinfo is None:  # naive means UTC, as UTCDateTime has it
                row["last_seen"] = row["last_seen"].replace(tzinfo=timezone.utc)
        params = {"rows": to_json(rows).decode(), "now": datetime.now(timezone.utc).isoformat()}
        with self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(_PG_UPSERT, params)

    def get(self, device_id: str) -> DeviceRow | None:
        with self._db.sessions() as session:
            return session.get(DeviceRow, device_id)

    def list(self) -> builtins.list[DeviceRow]:
        with self._db.sessions() as session:
            return builtins.list(session.scalars(select(DeviceRow).order_by(DeviceRow.device_id)))
