"""EventRepository: insert-or-ignore writes and filtered, paged reads of events."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.domain import Event, EventKind
from engine.storage.database import Database
from engine.storage.models import EventRow
from engine.storage.models_alpr import PlateEventRow

# Bounds the size of one DELETE/IN list so a purge never holds a huge lock or parameter list.
_BATCH = 500


@dataclass(frozen=True)
class PlateKeys:
    """A plate to filter by: its folded key and, where a policy key exists, its keyed HMAC
    (which is all a redacted plate event keeps)."""

    folded: str
    hmac: str | None = None


@dataclass(frozen=True)
class PurgedEvents:
    """What `delete_older_than` removed: how many rows, and the snapshot keys they held."""

    count: int = 0
    snapshots: builtins.list[str] = field(default_factory=builtins.list)


class EventRepository:
    """Stores and finds events. `snapshot_size` (e.g. BlobStore.size) fills snapshot_bytes at
    insert time; without it the column stays 0."""

    def __init__(self, db: Database, snapshot_size: Callable[[str], int] | None = None) -> None:
        self._db = db
        self._snapshot_size = snapshot_size

    def add_many(self, events: Iterable[Event]) -> int:
        """Insert events whose id is new, ignore the rest; returns how many were inserted.
        Ids are made by the producer, so a retried or replayed batch is never a duplicate."""
        rows = [self._to_row(event) for event in events]
        if not rows:
            return 0
        with self._db.sessions.begin() as session:
            return len(session.execute(self._insert_or_ignore(), rows).all())

    def get(self, event_id: uuid.UUID | str) -> Event | None:
        with self._db.sessions() as session:
            row = session.get(EventRow, _as_uuid(event_id))
            return None if row is None else _to_event(row)

    def list(
        self,
        camera_id: str | None = None,
        kind: EventKind | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        class_name: str | None = None,
        plate: PlateKeys | None = None,
    ) -> builtins.list[Event]:
        """Events newest first; start is inclusive, end exclusive (naive times mean UTC).
        `plate` keeps the plate events whose folded key or keyed HMAC is the one given."""
        query = select(EventRow).where(*_filters(camera_id, kind, start, end, class_name, plate))
        query = query.order_by(EventRow.timestamp.desc(), EventRow.id.desc())
        with self._db.sessions() as session:
            rows = session.scalars(query.limit(limit).offset(offset)).all()
            return [_to_event(row) for row in rows]

    def count(
        self,
        camera_id: str | None = None,
        kind: EventKind | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> int:
        query = (
            select(func.count()).select_from(EventRow).where(*_filters(camera_id, kind, start, end))
        )
        with self._db.sessions() as session:
            return int(session.scalar(query) or 0)

    def count_by_kind_and_class(
        self,
        camera_ids: builtins.list[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[tuple[str, str], int]:
        """Event counts grouped by (kind, class_name); `camera_ids` None means every camera."""
        query = select(EventRow.kind, EventRow.class_name, func.count()).where(
            *_filters(None, None, start, end)
        )
        if camera_ids is not None:
            query = query.where(EventRow.camera_id.in_(camera_ids))
        query = query.group_by(EventRow.kind, EventRow.class_name)
        with self._db.sessions() as session:
            return {(kind, name): int(n) for kind, name, n in session.execute(query).all()}

    def delete_older_than(self, ts: datetime) -> PurgedEvents:
        """Delete events with timestamp < ts, in batches; returns their snapshot keys so the
        caller can delete the blobs after the rows are gone (never a row without its blob)."""
        count, keys = 0, builtins.list[str]()
        while True:
            doomed = select(EventRow.id).where(EventRow.timestamp < ts).limit(_BATCH)
            stmt = delete(EventRow).where(EventRow.id.in_(doomed)).returning(EventRow.snapshot)
            with self._db.sessions.begin() as session:
                snapshots = session.execute(stmt).scalars().all()
            count += len(snapshots)
            keys.extend(key for key in snapshots if key)
            if len(snapshots) < _BATCH:
                return PurgedEvents(count, keys)

    def oldest_with_snapshots(self, limit: int) -> builtins.list[Event]:
        """The `limit` oldest events that still have a snapshot."""
        query = (
            select(EventRow)
            .where(EventRow.snapshot.is_not(None))
            .order_by(EventRow.timestamp, EventRow.id)
            .limit(limit)
        )
        with self._db.sessions() as session:
            return [_to_event(row) for row in session.scalars(query).all()]

    def clear_snapshots(self, event_ids: Iterable[uuid.UUID | str]) -> int:
        """Set snapshot to None (and its size to 0) on these events; returns rows changed."""
        ids = [_as_uuid(i) for i in event_ids]
        changed = 0
        with self._db.sessions.begin() as session:
            for start in range(0, len(ids), _BATCH):
                stmt = (
                    update(EventRow)
                    .where(EventRow.id.in_(ids[start : start + _BATCH]))
                    .values(snapshot=None, snapshot_bytes=0)
                    .returning(EventRow.id)
                    .execution_options(synchronize_session=False)
                )
                changed += len(session.execute(stmt).all())
        return changed

    def referenced_snapshots(self, keys: Iterable[str]) -> set[str]:
        """Which of these blob keys some stored event still points at."""
        wanted = builtins.list(set(keys))
        found: set[str] = set()
        with self._db.sessions() as session:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                query = select(EventRow.snapshot).where(EventRow.snapshot.in_(chunk)).distinct()
                found.update(key for key in session.scalars(query) if key)
        return found

    def _insert_or_ignore(self) -> Executable:
        # RETURNING lists only the rows really inserted, on both dialects (SQLite >= 3.35).
        if self._db.dialect == "sqlite":
            return sqlite.insert(EventRow).on_conflict_do_nothing().returning(EventRow.id)
        return postgresql.insert(EventRow).on_conflict_do_nothing().returning(EventRow.id)

    def _size_of(self, snapshot: str | None) -> int:
        """snapshot_bytes of an event with this snapshot key (0 without one)."""
        if not snapshot or self._snapshot_size is None:
            return 0
        try:
            return self._snapshot_size(snapshot)
        except (OSError, ValueError):
            return 0  # no such blob (or a foreign key format): the row is still worth keeping

    def _to_row(self, event: Event) -> dict[str, Any]:
        x1, y1, x2, y2 = event.box
        size = self._size_of(event.snapshot)
        return {
            "id": event.id,
            "site": event.site,
            "camera_id": event.camera_id,
            "kind": event.kind.value,
            "track_id": event.track_id,
            "class_name": event.class_name,
            "class_id": event.class_id,
            "score": event.score,
            "x1": x1,
            "y1": y1,
            "x2": x2,
            "y2": y2,
            "timestamp": event.timestamp,
            "pts": event.pts,
            "snapshot": event.snapshot,
            "snapshot_bytes": size,
        }


def _filters(
    camera_id: str | None,
    kind: EventKind | str | None,
    start: datetime | None,
    end: datetime | None,
    class_name: str | None = None,
    plate: PlateKeys | None = None,
) -> builtins.list[ColumnElement[bool]]:
    clauses: builtins.list[ColumnElement[bool]] = []
    if plate is not None:
        keys = [PlateEventRow.folded == plate.folded]
        if plate.hmac:
            keys.append(PlateEventRow.plate_hmac == plate.hmac)
        clauses.append(EventRow.id.in_(select(PlateEventRow.id).where(or_(*keys))))
    if class_name is not None:
        clauses.append(EventRow.class_name == class_name)
    if camera_id is not None:
        clauses.append(EventRow.camera_id == camera_id)
    if kind is not None:
        clauses.append(EventRow.kind == EventKind(kind).value)
    if start is not None:
        clauses.append(EventRow.timestamp >= start)
    if end is not None:
        clauses.append(EventRow.timestamp < end)
    return clauses


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _to_event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        camera_id=row.camera_id,
        kind=EventKind(row.kind),
        track_id=row.track_id,
        class_name=row.class_name,
        class_id=row.class_id,
        score=row.score,
        box=(row.x1, row.y1, row.x2, row.y2),
        timestamp=row.timestamp,
        pts=row.pts,
        snapshot=row.snapshot,
        site=row.site,
    )
