"""DeviceRepository: the device registry, updated in batches from what devices publish."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
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


class DeviceRepository:
    """Reads and upserts `devices` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert_many(self, sightings: Iterable[DeviceSighting]) -> None:
        """Insert new devices and update known ones, one statement per batch."""
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

    def get(self, device_id: str) -> DeviceRow | None:
        with self._db.sessions() as session:
            return session.get(DeviceRow, device_id)

    def list(self) -> builtins.list[DeviceRow]:
        with self._db.sessions() as session:
            return builtins.list(session.scalars(select(DeviceRow).order_by(DeviceRow.device_id)))
