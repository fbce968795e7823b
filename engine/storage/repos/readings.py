"""ReadingRepository: batched insert-or-ignore of device messages, queries by device, kind and
time, and loss counted from the sequence numbers of the stored rows."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Executable, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from engine.storage.database import Database
from engine.storage.models_devices import ReadingRow

# PostgreSQL: a batch is one JSON document in one statement whose text does not depend on the
# batch size, so psycopg prepares it once; SQLAlchemy's multi-row VALUES of 1,000 readings has
# 10,000 placeholders that the driver parsed again for every batch (most of the writer's time).
_COLUMNS = "device_id, boot, seq, kind, ts, received_at, location, value, unit, data"
_PG_INSERT = text(
    f"INSERT INTO readings ({_COLUMNS}) SELECT {_COLUMNS} "
    "FROM json_populate_recordset(NULL::readings, CAST(:rows AS json)) ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True)
class SequenceSpan:
    """What is stored of one device boot: seq runs from 1 to `max_seq`; `stored` of them arrived.
    `lost` = max_seq - stored (messages after the last stored one cannot be seen here)."""

    device_id: str
    boot: int
    max_seq: int
    stored: int

    @property
    def lost(self) -> int:
        return self.max_seq - self.stored


class ReadingRepository:
    """Stores and finds device readings (table `readings`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows whose (device_id, boot, seq) is new in one executemany; returns how many
        were inserted (duplicates, e.g. QoS 1 redeliveries, are ignored)."""
        batch = [dict(row) for row in rows]
        if not batch:
            return 0
        if self._db.dialect == "postgresql":
            for row in batch:  # what UTCDateTime does on the ORM path: naive means UTC
                row["ts"], row["received_at"] = _utc(row["ts"]), _utc(row["received_at"])
            # One statement is its own transaction in autocommit: no BEGIN/COMMIT round trips.
            document = to_json(batch).decode()
            with self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                return int(c.execute(_PG_INSERT, {"rows": document}).rowcount)
        with self._db.sessions.begin() as session:
            return len(session.execute(self._insert_or_ignore(), batch).all())

    def _insert_or_ignore(self) -> Executable:
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        return dialect.insert(ReadingRow).on_conflict_do_nothing().returning(ReadingRow.seq)

    def list(
        self,
        device_id: str | None = None,
        kind: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 1000,
    ) -> builtins.list[ReadingRow]:
        """Readings oldest first; start inclusive, end exclusive."""
        query = select(ReadingRow)
        if device_id is not None:
            query = query.where(ReadingRow.device_id == device_id)
        if kind is not None:
            query = query.where(ReadingRow.kind == kind)
        if start is not None:
            query = query.where(ReadingRow.ts >= start)
        if end is not None:
            query = query.where(ReadingRow.ts < end)
        query = query.order_by(ReadingRow.device_id, ReadingRow.boot, ReadingRow.seq).limit(limit)
        with self._db.sessions() as session:
            return builtins.list(session.scalars(query).all())

    def count(self, device_id: str | None = None, kind: str | None = None) -> int:
        query = select(func.count()).select_from(ReadingRow)
        if device_id is not None:
            query = query.where(ReadingRow.device_id == device_id)
        if kind is not None:
            query = query.where(ReadingRow.kind == kind)
        with self._db.sessions() as session:
            return int(session.scalar(query) or 0)

    def spans(self, device_ids: Iterable[str] | None = None) -> builtins.list[SequenceSpan]:
        """Per (device, boot): highest stored seq and how many rows are stored."""
        query = select(
            ReadingRow.device_id, ReadingRow.boot, func.max(ReadingRow.seq), func.count()
        ).group_by(ReadingRow.device_id, ReadingRow.boot)
        if device_ids is not None:
            query = query.where(ReadingRow.device_id.in_(builtins.list(device_ids)))
        with self._db.sessions() as session:
            return [
                SequenceSpan(device, int(boot), int(max_seq), int(stored))
                for device, boot, max_seq, stored in session.execute(query).all()
            ]

    def count_upto(self, device_id: str, boot: int, last_seq: int) -> int:
        """Stored rows of one boot with seq <= last_seq (what a device reported it sent)."""
        query = (
            select(func.count())
            .select_from(ReadingRow)
            .where(
                ReadingRow.device_id == device_id,
                ReadingRow.boot == boot,
                ReadingRow.seq <= last_seq,
            )
        )
        with self._db.sessions() as session:
            return int(session.scalar(query) or 0)

    def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: drop readings stamped before `cutoff`; returns how many."""
        with self._db.sessions.begin() as session:
            result = session.execute(delete(ReadingRow).where(ReadingRow.ts < cutoff))
            return int(result.rowcount or 0)


def _utc(stamp: datetime) -> datetime:
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp if stamp.tzinfo is timezone.utc else stamp.astimezone(timezone.utc)
