"""IngestRepository: ingested events and their attributes, written in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from engine.domain import Event
from engine.storage.models_ingest import EventAttributesRow
from engine.storage.repos.events import EventRepository


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

    def attributes(self, event_id: uuid.UUID) -> dict[str, Any] | None:
        with self._db.sessions() as session:
            query = select(EventAttributesRow.data).where(EventAttributesRow.event_id == event_id)
            return session.scalar(query)

    def _insert_attributes(self) -> Any:
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        return dialect.insert(EventAttributesRow).on_conflict_do_nothing()
