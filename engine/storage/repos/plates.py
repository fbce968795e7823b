"""PlateRepository: plate events and their reads (insert-or-ignore by the producer's id), exact
and fuzzy lookup by folded key, the watchlist and its match, retention by age."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.alpr.normalize import fold_key
from engine.domain import EventKind
from engine.domain.plate import PlateEvent, PlateRead, PlateRecord
from engine.storage.database import Database
from engine.storage.models import EventRow
from engine.storage.models_alpr import PlateEventRow, PlateReadRow, WatchlistRow

_BATCH = 500


@dataclass(frozen=True)
class PurgedPlates:
    """What `purge_older_than` removed: plate events, and the blob keys they held."""

    count: int = 0
    blobs: builtins.list[str] = field(default_factory=builtins.list)


def within_one_edit(a: str, b: str) -> bool:
    """True when b is a, or a with one character changed, inserted or deleted."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def to_domain(row: PlateEventRow) -> PlateEvent:
    return PlateEvent(
        id=row.id,
        camera_id=row.camera_id,
        track_id=row.track_id,
        site=row.site,
        text=row.text,
        raw_text=row.raw_text,
        folded=row.folded,
        plate_hmac=row.plate_hmac,
        region=row.region,
        confidence=row.confidence,
        quality=row.quality,
        crop=row.crop,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        frames=row.frames,
        watchlist_hit=row.watchlist_hit,
        box=_box(row),
    )


def _box(row: PlateEventRow) -> tuple[float, float, float, float] | None:
    corners = (row.box_x1, row.box_y1, row.box_x2, row.box_y2)
    return None if any(v is None for v in corners) else corners  # type: ignore[return-value]


class PlateRepository:
    """Stores and finds plate events (tables `plate_events`, `plate_reads`, `watchlist`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _insert(self, table: type) -> postgresql.Insert | sqlite.Insert:
        dialect = sqlite if self._db.dialect == "sqlite" else postgresql
        return dialect.insert(table).on_conflict_do_nothing()

    def add(self, event: PlateEvent, reads: Iterable[PlateRead] = ()) -> bool:
        """Insert the event and its reads unless its id is stored already; True if inserted.
        `folded` is derived from the text when the producer left it out (never under redaction:
        a redacted event has no text)."""
        folded = event.folded or (fold_key(event.text) if event.text else None)
        box = event.box or (None, None, None, None)
        values = event.model_dump(exclude={"folded", "box"}) | {
            "folded": folded,
            "folded_len": len(folded) if folded else None,
            "box_x1": box[0],
            "box_y1": box[1],
            "box_x2": box[2],
            "box_y2": box[3],
        }
        rows = [
            {
                "event_id": event.id,
                "frame_index": r.frame_index,
                "pts": r.pts,
                "text": r.text,
                "confidence": r.confidence,
                "x1": r.box[0],
                "y1": r.box[1],
                "x2": r.box[2],
                "y2": r.box[3],
                "read_at": r.read_at,
            }
            for r in reads
        ]
        with self._db.sessions.begin() as session:
            inserted = session.execute(
                self._insert(PlateEventRow).returning(PlateEventRow.id), [values]
            ).all()
            if inserted and rows:
                session.execute(self._insert(PlateReadRow), rows)
            return bool(inserted)

    def get(self, event_id: uuid.UUID) -> PlateEvent | None:
        with self._db.sessions() as session:
            row = session.get(PlateEventRow, event_id)
            return to_domain(row) if row else None

    def get_many(self, event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PlateEvent]:
        """The plate events among these ids, by id (ids without one are left out)."""
        wanted = builtins.list(set(event_ids))
        found: dict[uuid.UUID, PlateEvent] = {}
        with self._db.sessions() as session:
            for start in range(0, len(wanted), _BATCH):
                query = select(PlateEventRow).where(
                    PlateEventRow.id.in_(wanted[start : start + _BATCH])
                )
                found.update((row.id, to_domain(row)) for row in session.scalars(query))
        return found

    def reads(self, event_id: uuid.UUID) -> builtins.list[PlateRead]:
        query = (
            select(PlateReadRow)
            .where(PlateReadRow.event_id == event_id)
            .order_by(PlateReadRow.frame_index)
        )
        with self._db.sessions() as session:
            return [
                PlateRead(
                    event_id=r.event_id,
                    frame_index=r.frame_index,
                    pts=r.pts,
                    text=r.text,
                    confidence=r.confidence,
                    box=(r.x1, r.y1, r.x2, r.y2),
                    read_at=r.read_at,
                )
                for r in session.scalars(query)
            ]

    def find(self, text: str, fuzzy: bool = False, limit: int = 100) -> builtins.list[PlateEvent]:
        """Events whose folded key equals the query's (look-alikes match by construction); with
        `fuzzy`, also one character changed, missing or extra. Newest first."""
        key = fold_key(text)
        if not key:
            return []
        query = select(PlateEventRow).order_by(PlateEventRow.last_seen.desc())
        if not fuzzy:
            query = query.where(PlateEventRow.folded == key).limit(limit)
            with self._db.sessions() as session:
                return [to_domain(r) for r in session.scalars(query)]
        # The (folded_len, folded) index narrows to keys one length step away; the edit
        # distance, which neither dialect indexes the same way, runs here.
        query = query.where(PlateEventRow.folded_len.between(len(key) - 1, len(key) + 1))
        found = []
        with self._db.sessions() as session:
            for row in session.scalars(query.execution_options(yield_per=500)):
                if row.folded and within_one_edit(key, row.folded):
                    found.append(to_domain(row))
                    if len(found) >= limit:
                        break
        # Exact matches first, then newest.
        found.sort(key=lambda e: e.folded != key)
        return found

    def find_hmac(self, plate_hmac: str, limit: int = 100) -> builtins.list[PlateEvent]:
        """Events whose keyed HMAC is this one (the only exact key a redacted event keeps)."""
        query = (
            select(PlateEventRow)
            .where(PlateEventRow.plate_hmac == plate_hmac)
            .order_by(PlateEventRow.last_seen.desc())
            .limit(limit)
        )
        with self._db.sessions() as session:
            return [to_domain(r) for r in session.scalars(query)]

    def add_watch(
        self,
        text: str | None,
        label: str,
        reason: str | None = None,
        plate_hmac: str | None = None,
        hmac_of: Callable[[str], str] | None = None,
    ) -> int:
        """A watchlist entry by clear text, by HMAC only, or both (`hmac_of`, e.g.
        FieldPolicy.hmac, derives the HMAC from the text so redacted events match it)."""
        folded = fold_key(text) if text else None
        if plate_hmac is None and text and hmac_of is not None:
            plate_hmac = hmac_of(text)
        if not folded and not plate_hmac:
            raise ValueError("a watchlist entry needs a plate text or its HMAC")
        row = WatchlistRow(folded=folded, plate_hmac=plate_hmac, label=label, reason=reason)
        with self._db.sessions.begin() as session:
            session.add(row)
            session.flush()
            return int(row.id)

    def watch_matches(
        self, folded: str | None, plate_hmac: str | None
    ) -> builtins.list[WatchlistRow]:
        """Watchlist entries matching a plate by folded key or by keyed HMAC."""
        keys = []
        if folded:
            keys.append(WatchlistRow.folded == fold_key(folded))
        if plate_hmac:
            keys.append(WatchlistRow.plate_hmac == plate_hmac)
        if not keys:
            return []
        with self._db.sessions() as session:
            return builtins.list(session.scalars(select(WatchlistRow).where(or_(*keys))))

    def matches_watchlist(self, event: PlateEvent) -> bool:
        folded = event.folded or (fold_key(event.text) if event.text else None)
        return bool(self.watch_matches(folded, event.plate_hmac))

    def list_watch(self) -> builtins.list[WatchlistRow]:
        with self._db.sessions() as session:
            query = select(WatchlistRow).order_by(WatchlistRow.id)
            return builtins.list(session.scalars(query))

    def delete_watch(self, watch_id: int) -> bool:
        with self._db.sessions.begin() as session:
            stmt = (
                delete(WatchlistRow).where(WatchlistRow.id == watch_id).returning(WatchlistRow.id)
            )
            return session.execute(stmt).first() is not None

    def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: drop plate events last seen before `cutoff` and their reads."""
        return self.purge_older_than(cutoff).count

    def purge_older_than(self, cutoff: datetime) -> PurgedPlates:
        """Retention: plate events last seen before `cutoff`, their reads and the `events` rows
        that show them (kind 'plate', same id), in batches; returns the blob keys they held
        (crops, snapshots) for the caller to delete once the rows are gone."""
        count, keys = 0, builtins.list[str]()
        while True:
            with self._db.sessions.begin() as session:
                old = select(PlateEventRow.id, PlateEventRow.crop).where(
                    PlateEventRow.last_seen < cutoff
                )
                batch = session.execute(old.limit(_BATCH)).all()
                ids = [row.id for row in batch]
                keys.extend(row.crop for row in batch if row.crop)
                if ids:
                    # Explicit: SQLite enforces the cascade only with foreign keys switched on.
                    session.execute(delete(PlateReadRow).where(PlateReadRow.event_id.in_(ids)))
                    shown = (
                        delete(EventRow)
                        .where(EventRow.id.in_(ids), EventRow.kind == EventKind.PLATE.value)
                        .returning(EventRow.snapshot)
                    )
                    keys.extend(key for key in session.execute(shown).scalars() if key)
                    session.execute(delete(PlateEventRow).where(PlateEventRow.id.in_(ids)))
            count += len(ids)
            if len(ids) < _BATCH:
                return PurgedPlates(count, keys)


class PlateRecordWriter:
    """The plate spool's writer: each record's watchlist flag is decided when it is written
    (directly, or on replay after an outage), then the event and its reads are inserted
    unless stored already."""

    def __init__(self, plates: PlateRepository) -> None:
        self._plates = plates

    def add_many(self, records: builtins.list[PlateRecord]) -> int:
        stored = 0
        for record in records:
            hit = self._plates.matches_watchlist(record.plate)
            event = record.plate.model_copy(update={"watchlist_hit": hit})
            stored += self._plates.add(event, record.reads)
        return stored
