"""IngestRepository: ingested events and their attributes, written in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from engine.domain import Event
from engine.storage.models_ingest import EventAttributesRow
from engine.storage.repos.events import EventRepository

if TYPE_CHECKING:
    import psycopg

# PostgreSQL reads a batch from one JSON array of events in the domain Event's own JSON form
# (what pydantic writes for Event; `site` may be left out, meaning 'local'), zipped by position
# (ROWS FROM) with their snapshot sizes: one statement whose text does not depend on the batch
# size (the driver prepares it), one round trip, rows inserted in the order sent (of two equal
# ids the first wins). Autocommit makes the statement its own transaction: no BEGIN or COMMIT
# round trips, and its two inserts still land together or not at all.
_COLUMNS = ", ".join(f'"{name}"' for name in (
    "id", "site", "camera_id", "kind", "track_id", "class_name", "class_id", "score",
    "x1", "y1", "x2", "y2", "timestamp", "pts", "snapshot", "snapshot_bytes",
))  # fmt: skip
_PG_INSERT = (
    f"WITH new AS (INSERT INTO events ({_COLUMNS}) "
    "SELECT e.id, coalesce(e.site, 'local'), e.camera_id, e.kind, e.track_id, e.class_name, "
    "e.class_id, e.score, (e.box->>0)::float8, (e.box->>1)::float8, (e.box->>2)::float8, "
    "(e.box->>3)::float8, e.timestamp, e.pts, e.snapshot, coalesce(e.bytes::int, 0) "
    "FROM ROWS FROM (json_to_recordset(CAST(%(events)s AS json)) AS (id uuid, site text, "
    "camera_id text, kind text, track_id int, class_name text, class_id int, score float8, "
    "box json, timestamp timestamptz, pts float8, snapshot text), "
    "json_array_elements_text(CAST(%(sizes)s AS json))) AS e(id, site, camera_id, kind, "
    "track_id, class_name, class_id, score, box, timestamp, pts, snapshot, bytes) "
    "ON CONFLICT DO NOTHING RETURNING id), "
    "attrs AS (INSERT INTO event_attributes (event_id, source, data) "
    "SELECT a.key::uuid, %(source)s, a.value FROM json_each(CAST(%(attrs)s AS json)) AS a "
    "JOIN new ON new.id = a.key::uuid ON CONFLICT DO NOTHING) "
    "SELECT id FROM new"
)
_EVENTS = TypeAdapter(list[Event])
_NOT_STORED = {"__all__": {"plate"}}  # ingested events carry no plate read of their own


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
        if self._db.dialect == "postgresql":
            as_json = _EVENTS.dump_json(list(events), exclude=_NOT_STORED)
            return self._add_postgresql(as_json, [e.snapshot for e in events], attributes, source)
        rows = [self._to_row(event) for event in events]
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

    def add_json_with_attributes(
        self,
        events_json: bytes,
        snapshots: Sequence[str | None],
        attributes: Mapping[uuid.UUID, dict[str, Any]],
        source: str,
    ) -> set[uuid.UUID]:
        """`add_with_attributes` for events already written as one JSON array in Event's form
        (an intake that validated a batch dumps it in one call and builds no Event objects).
        `snapshots`: each event's snapshot key, in order (their sizes are recorded)."""
        if self._db.dialect == "postgresql":
            return self._add_postgresql(events_json, snapshots, attributes, source)
        return self.add_with_attributes(_EVENTS.validate_json(events_json), attributes, source)

    def _add_postgresql(
        self,
        events_json: bytes,
        snapshots: Sequence[str | None],
        attributes: Mapping[uuid.UUID, dict[str, Any]],
        source: str,
    ) -> set[uuid.UUID]:
        sizes = None  # NULL: no sizes, every event's snapshot_bytes is 0
        if self._snapshot_size is not None and any(snapshots):
            sizes = to_json([self._size_of(key) for key in snapshots]).decode()
        # NaN stays NaN (which PostgreSQL refuses, as it refused it from json.dumps).
        extra = to_json({k: v for k, v in attributes.items() if v}, inf_nan_mode="constants")
        params = {
            "events": events_json.decode(),
            "sizes": sizes,
            "attrs": extra.decode(),
            "source": source,
        }
        # The driver's own connection from the pool (pinged as any checkout): for one statement
        # SQLAlchemy's execution layer costs more CPU than psycopg does.
        pooled = self._db.engine.raw_connection()
        try:
            driver = cast("psycopg.Connection[Any]", pooled.driver_connection)
            driver.autocommit = True
            try:
                return {row[0] for row in driver.execute(_PG_INSERT, params).fetchall()}
            finally:
                if not driver.closed:
                    driver.autocommit = False
        finally:
            pooled.close()  # back to the pool

    def attributes(self, event_id: uuid.UUID) -> dict[str, Any] | None:
        with self._db.sessions() as session:
            query = select(EventAttributesRow.data).where(EventAttributesRow.event_id == event_id)
            return session.scalar(query)

    def _insert_attributes(self) -> Any:
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        return dialect.insert(EventAttributesRow).on_conflict_do_nothing()
