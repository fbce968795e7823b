"""AnalyticsService: event counts by kind and class over a time window (analytics)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel

from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require, require_camera
from engine.storage.repos.events import EventRepository


class EventCounts(BaseModel):
    """Totals of the window [start, end) (None = open), by kind and by class name."""

    camera_id: str | None
    start: datetime | None
    end: datetime | None
    total: int
    by_kind: dict[str, int]
    by_class: dict[str, int]


class AnalyticsService:
    """Needs analytics; a principal limited to some cameras counts only those."""

    def __init__(
        self,
        events: EventRepository,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._events = events
        self._audit = audit
        self._clock = clock

    def counts(
        self,
        principal: Principal,
        camera_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> EventCounts:
        require(principal, Permission.ANALYTICS, self._audit, "analytics.counts")
        if camera_id is not None:
            require_camera(principal, camera_id, self._audit, "analytics.counts")
            cameras: list[str] | None = [camera_id]
        else:
            cameras = None if principal.cameras is None else sorted(principal.cameras)
        grouped = self._events.count_by_kind_and_class(cameras, start, end)
        by_kind: dict[str, int] = {}
        by_class: dict[str, int] = {}
        for (kind, name), n in grouped.items():
            by_kind[kind] = by_kind.get(kind, 0) + n
            by_class[name] = by_class.get(name, 0) + n
        return EventCounts(
            camera_id=camera_id,
            start=start,
            end=end,
            total=sum(grouped.values()),
            by_kind=by_kind,
            by_class=by_class,
        )

    def last24h(self, principal: Principal, camera_id: str | None = None) -> EventCounts:
        now = self._clock()
        return self.counts(principal, camera_id, now - timedelta(hours=24), now)
