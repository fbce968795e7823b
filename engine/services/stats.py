"""StatsService: seed 004's GET /stats (analytics), over the cameras the principal may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from pydantic import BaseModel, Field

from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.storage.repos.plate_stats import PlateStatsRepository


class StatsPublic(BaseModel):
    """Database statistics: events of every kind, plate events and their reads, distinct plates
    (folded key, or keyed HMAC when redacted), watchlist hits, plate events in the last hour and
    day, plate events per camera and events per class."""

    at: datetime
    total_events: int
    plate_events: int
    plate_reads: int
    unique_plates: int
    watchlist_hits: int
    plate_events_last_hour: int
    plate_events_last_day: int
    first_plate_at: datetime | None = None
    last_plate_at: datetime | None = None
    plate_events_by_camera: dict[str, int] = Field(default_factory=dict)
    events_by_class: dict[str, int] = Field(default_factory=dict)


class StatsService:
    def __init__(
        self,
        stats: PlateStatsRepository,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._stats = stats
        self._audit = audit
        self._clock = clock

    def stats(self, principal: Principal) -> StatsPublic:
        require(principal, Permission.ANALYTICS, self._audit, "stats.read")
        now = self._clock()
        cameras = None if principal.cameras is None else sorted(principal.cameras)
        c = self._stats.counts(now, cameras)
        return StatsPublic(
            at=now,
            total_events=c.events,
            plate_events=c.plate_events,
            plate_reads=c.plate_reads,
            unique_plates=c.unique_plates,
            watchlist_hits=c.watchlist_hits,
            plate_events_last_hour=c.last_hour,
            plate_events_last_day=c.last_day,
            first_plate_at=c.first_seen,
            last_plate_at=c.last_seen,
            plate_events_by_camera=c.by_camera,
            events_by_class=c.by_class,
        )
