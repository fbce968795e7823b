"""EventExportService: the events of a time range with their snapshots, for evidence, as a
principal may see them. Same rules as every read: plate text masked and plate snapshots
blurred without plates.view, each clear view audited (EventService, PlateService)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from engine.client.protocol import EventQuery
from engine.domain import Event, EventKind
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.errors import NotFound
from engine.services.events import EventService
from engine.services.plates import PlateService

PAGE = 1000  # events per read (EventQuery's largest limit)


@dataclass(frozen=True)
class ExportedEvent:
    """One event as exported: presented for the principal, with its (maybe blurred) JPEG."""

    event: Event
    snapshot: bytes | None


class EventExportService:
    """Needs export and events.read. The export itself leaves one audit row naming the range
    (`event.export`), written before the first event is handed out."""

    def __init__(self, events: EventService, plates: PlateService, audit: AuditLog) -> None:
        self._events = events
        self._plates = plates
        self._audit = audit

    def export(
        self,
        principal: Principal,
        start: datetime,
        end: datetime,
        camera_id: str | None = None,
        kind: EventKind | None = None,
    ) -> Iterator[ExportedEvent]:
        """Events with start <= timestamp < end, newest first, each once."""
        target = f"events:{start.isoformat()}/{end.isoformat()}" + (
            f":camera:{camera_id}" if camera_id else ""
        )
        require(principal, Permission.EXPORT, self._audit, "event.export", target)
        require(principal, Permission.EVENTS_READ, self._audit, "event.export", target)
        self._audit.record(principal, "event.export", target)
        seen: set[uuid.UUID] = set()
        offset = 0
        while True:
            query = EventQuery(
                camera_id=camera_id, kind=kind, start=start, end=end, limit=PAGE, offset=offset
            )
            page = self._events.list(principal, query)
            for event in page:
                if event.id in seen:  # a late event shifted the pages: once is enough
                    continue
                seen.add(event.id)
                yield ExportedEvent(event, self._snapshot(principal, event))
            if len(page) < PAGE:
                return
            offset += PAGE

    def _snapshot(self, principal: Principal, event: Event) -> bytes | None:
        if event.snapshot is None:
            return None
        try:
            return self._plates.snapshot(principal, str(event.id))
        except NotFound:  # gone by retention, or a plate picture that cannot be blurred
            return None
