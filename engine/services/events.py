"""EventService: events as a principal may see them - permission, camera rights, field policy."""

from __future__ import annotations

import builtins
import heapq
import itertools
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from engine.client.protocol import EventQuery
from engine.domain import Event
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.policy import FieldPolicy
from engine.security.principal import Principal
from engine.services.access import require, require_camera
from engine.services.lookup import find_event
from engine.services.plates import PlateService


class EventStore(Protocol):
    """What EventService needs of engine.storage's EventRepository."""

    def get(self, event_id: uuid.UUID | str) -> Event | None: ...

    def list(
        self,
        camera_id: str | None = None,
        kind: Any = None,
        start: Any = None,
        end: Any = None,
        limit: int = 100,
        offset: int = 0,
        class_name: str | None = None,
        plate: Any = None,
    ) -> list[Event]: ...


class EventService:
    """Reads events for a principal. Needs events.read; a principal limited to some cameras
    gets 403 for another camera's event or listing, and an unfiltered listing holds only its
    cameras. Protected fields are masked without plates.view; every clear view is audited."""

    def __init__(
        self,
        events: EventStore,
        audit: AuditLog,
        policy: FieldPolicy,
        source: str = "engine",
        plates: PlateService | None = None,
    ) -> None:
        self._events = events
        self._audit = audit
        self._policy = policy
        self._source = source  # policy source of this engine's own events
        self._plates = plates  # plate events' plate fields, by role

    def list(self, principal: Principal, query: EventQuery) -> list[Event]:
        require(principal, Permission.EVENTS_READ, self._audit, "event.list")
        if query.camera_id is not None:
            require_camera(principal, query.camera_id, self._audit, "event.list")
            found = self._fetch(query, query.camera_id, query.limit, query.offset)
        elif principal.cameras is None:
            found = self._fetch(query, None, query.limit, query.offset)
        else:
            found = self._merged(query, sorted(principal.cameras))
        return self._present_all(principal, found)

    def search(self, principal: Principal, query: EventQuery) -> list[Event]:
        """GET /events/search: needs search as well as events.read (supervisors, admins)."""
        require(principal, Permission.SEARCH, self._audit, "event.search")
        return self.list(principal, query)

    def get(self, principal: Principal, event_id: str) -> Event:
        target = f"event:{event_id}"
        require(principal, Permission.EVENTS_READ, self._audit, "event.get", target)
        event = find_event(self._events, event_id)
        require_camera(principal, event.camera_id, self._audit, "event.get", target)
        return self._present_all(principal, [event])[0]

    def _present_all(
        self, principal: Principal, events: builtins.list[Event]
    ) -> builtins.list[Event]:
        if self._plates is not None:
            events = [self._plates.present(principal, e) for e in self._plates.attach(events)]
        return [self._present(principal, event) for event in events]

    def present_record(
        self, principal: Principal, record: Mapping[str, Any], object_id: str
    ) -> dict[str, Any]:
        """Any record (an event, later a plate read) as `principal` may see it; a protected
        field shown in clear leaves one audit row naming the object and the field."""
        shown, clear = self._policy.present_record(record, principal, self._source)
        for name in clear:
            self._audit.record(principal, f"view.{name}", object_id)
        return shown

    def present(self, principal: Principal, event: Event) -> Event:
        """An event `principal` may already see (e.g. live), as REST shows it; audited."""
        return self._present_all(principal, [event])[0]

    def _present(self, principal: Principal, event: Event) -> Event:
        record = event.model_dump()
        shown = self.present_record(principal, record, f"event:{event.id}")
        changes = {
            name: shown.get(name)
            for name in type(event).model_fields
            if name in record and shown.get(name) != record[name]
        }
        return event.model_copy(update=changes) if changes else event

    def _fetch(
        self, query: EventQuery, camera_id: str | None, limit: int, offset: int
    ) -> builtins.list[Event]:
        plate = getattr(query, "plate", None)
        if plate is not None and self._plates is None:
            return []
        return self._events.list(
            plate=self._plates.keys(plate) if plate is not None and self._plates else None,
            camera_id=camera_id,
            kind=query.kind,
            start=query.start,
            end=query.end,
            limit=limit,
            offset=offset,
            # EventQuery has no class filter; the search query (SearchQuery) adds one.
            class_name=getattr(query, "class_name", None),
        )

    def _merged(self, query: EventQuery, cameras: builtins.list[str]) -> builtins.list[Event]:
        # The repository filters one camera at a time: take the first offset+limit of each
        # allowed camera and merge them in the repository's order (timestamp, id; newest first).
        wanted = query.offset + query.limit
        per_camera = [self._fetch(query, camera, wanted, 0) for camera in cameras]
        merged = heapq.merge(*per_camera, key=lambda e: (e.timestamp, e.id.hex), reverse=True)
        return builtins.list(itertools.islice(merged, query.offset, wanted))
