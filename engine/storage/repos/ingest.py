"""IngestRepository: ingested events and their attributes, written in one transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from engine.domain import Event
from engine.storage.models_ingest import EventAttributesRow
from engine.storage.repos.events import EventRepository

# PostgreSQL: the whole batch as one JSON document, one statement whose text does not depend on
# the batch size (the driver caches and prepares it), one round trip. A multi-row VALUES list
# of 100 events has 1,600 placeholders for the driver to parse and adapt on every request.
_COLUMNS = ", ".join(f'"{name}"' for name in (
    "id", "site", "camera_id", "kind", "track_id", "class_name", "class_id", "score",
    "x1", "y1", "x2", "y2", "timestamp", "pts", "snapshot", "snapshot_bytes",
))  # fmt: skip
_PG_INSERT = text(
    f"WITH new AS (INSERT INTO events ({_COLUMNS}) SELECT {_COLUMNS} "
    "FROM json_populate_recordset(NULL::events, CAST(:rows AS json)) "
    "ON CONFLICT DO NOTHING RETURNING id), "
    "attrs AS (INSERT INTO event_attributes (event_id, source, data) "
    "SELECT a.id, :source, a.data FROM json_to_recordset(CAST(:attrs AS json)) "
    "AS a(id uuid, data json) JOIN new ON new.id = a.id ON CONFLICT DO NOTHING) "
    "SELECT id FROM new"
)


class IngestRepository(EventRepository):
    """An EventRepository that also keeps each event's extra fields. Both inserts are
    insert-or-ignore in one transaction: a retried batch is never a duplicate, and a failure
    leaves neither an event without its attributes nor the reverse."""

    def add_with_attributes(
        self, events: Sequence[Event], attributes: Mapping[uuid.UUID, dict[str, Any]], source: str
    ) -> set[uuid.UUID]:
        """Insert the new events (and the attributes of those); returns the ids inserted."""
        if not events:
            return set()
        rows = [self._to_row(event) for event in events]
        if self._db.dialect == "postgresql":
            return self._add_postgresql(rows, attributes, source)
        with self._db.sessions.begin() as session:
            inserted = {row[0] for row in session.execute(self._insert_or_ignore(), rows).all()}
            extra = [
                {"event_id": event_id, "source": source, "data": attributes[event_id]}
                for event_id in inserted
                if attributes.get(event_id)
            ]
            if extra:
                session.execute(self._insert_attributes(), extra)
        return inserted

    def _add_postgresql(
        self,
        rows: list[dict[str, Any]],
        attributes: Mapping[uuid.UUID, dict[str, Any]],
        source: str,
    ) -> set[uuid.UUID]:
        for row in rows:
            row["id"] = str(row["id"])
            row["timestamp"] = _utc(row["timestamp"]).isoformat()
        wanted = {row["id"] for row in rows}
        extra = [
            {"id": str(key), "data": data}
            for key, data in attributes.items()
            if data and str(key) in wanted
        ]
        params = {"rows": json.dumps(rows), "attrs": json.dumps(extra), "source": source}
        with self._db.sessions.begin() as session:
            found = session.connection().execute(_PG_INSERT, params)
            return {row[0] for row in found}

    def attributes(self, event_id: uuid.UUID) -> dict[str, Any] | None:
        with self._db.sessions() as session:
            query = select(EventAttributesRow.data).where(EventAttributesRow.event_id == event_id)
            return session.scalar(query)

    def _insert_attributes(self) -> Any:
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        return dialect.insert(EventAttributesRow).on_conflict_do_nothing()


def _utc(stamp: datetime) -> datetime:
    """What the column type (UTCDateTime) does on the ORM path: naive means UTC."""
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc)
