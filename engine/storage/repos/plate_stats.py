"""PlateStatsRepository: the counts behind GET /stats (seed 004's database statistics)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select

from engine.storage.database import Database
from engine.storage.models import EventRow
from engine.storage.models_alpr import PlateEventRow, PlateReadRow


@dataclass(frozen=True)
class PlateCounts:
    """Event and plate counts over some cameras (None: all), the windows ending at `now`."""

    events: int = 0
    plate_events: int = 0
    plate_reads: int = 0
    unique_plates: int = 0
    watchlist_hits: int = 0
    last_hour: int = 0
    last_day: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    by_camera: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)


class PlateStatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def counts(self, now: datetime, cameras: Sequence[str] | None = None) -> PlateCounts:
        def plates(*more: ColumnElement[bool]) -> list[ColumnElement[bool]]:
            where = list(more)
            if cameras is not None:
                where.append(PlateEventRow.camera_id.in_(list(cameras)))
            return where

        events_where = [] if cameras is None else [EventRow.camera_id.in_(list(cameras))]
        # A redacted plate has no folded key: its HMAC stands in for it.
        plate_key = func.coalesce(PlateEventRow.folded, PlateEventRow.plate_hmac)
        with self._db.sessions() as session:

            def count(query: object) -> int:
                return int(session.scalar(query) or 0)  # type: ignore[call-overload]

            total, unique, first, last = session.execute(
                select(
                    func.count(),
                    func.count(func.distinct(plate_key)),
                    func.min(PlateEventRow.last_seen),
                    func.max(PlateEventRow.last_seen),
                ).where(*plates())
            ).one()
            reads = count(
                select(func.count())
                .select_from(PlateReadRow)
                .join(PlateEventRow, PlateEventRow.id == PlateReadRow.event_id)
                .where(*plates())
            )
            hits = count(select(func.count()).where(*plates(PlateEventRow.watchlist_hit.is_(True))))
            hour = count(
                select(func.count()).where(
                    *plates(PlateEventRow.last_seen >= now - timedelta(hours=1))
                )
            )
            day = count(
                select(func.count()).where(
                    *plates(PlateEventRow.last_seen >= now - timedelta(days=1))
                )
            )
            by_camera = session.execute(
                select(PlateEventRow.camera_id, func.count())
                .where(*plates())
                .group_by(PlateEventRow.camera_id)
            ).all()
            by_class = session.execute(
                select(EventRow.class_name, func.count())
                .where(*events_where)
                .group_by(EventRow.class_name)
            ).all()
            events = count(select(func.count()).select_from(EventRow).where(*events_where))
        return PlateCounts(
            events=events,
            plate_events=int(total),
            plate_reads=reads,
            unique_plates=int(unique),
            watchlist_hits=hits,
            last_hour=hour,
            last_day=day,
            first_seen=first,
            last_seen=last,
            by_camera={str(c): int(n) for c, n in by_camera},
            by_class={str(c): int(n) for c, n in by_class},
        )
