"""LiveService: the live stream (frames' detections, events, camera states) as a principal may
see it - events.read, camera rights, and the same field policy (masking, audited clear views)
as the REST event reads. Remote viewers get a queue (LiveSubscription); the in-process client
gets a LiveViewer and filters the core's own callbacks with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from engine.domain import Event
from engine.domain.live import LiveEvent
from engine.live_feed import LiveFeed, LiveQueue
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.events import EventService
from engine.services.queued_stream import QueuedStream


class LiveViewer:
    """What one principal may see live, its right checked once when the stream opened:
    messages of its cameras only, events presented as `GET /events/{id}` presents them."""

    def __init__(self, principal: Principal, events: EventService) -> None:
        self._principal = principal
        self._events = events

    def sees(self, camera_id: str) -> bool:
        """Cheap enough for a camera thread: no I/O."""
        return self._principal.can_see_camera(camera_id)

    def event(self, event: Event) -> Event:
        """The event masked by role; a clear plate view writes an audit row (I/O)."""
        return self._events.present(self._principal, event)


class LiveSubscription(QueuedStream):
    """One remote viewer's stream. `take` runs on the viewer's side (it may write audit rows),
    never on a camera thread."""

    def __init__(self, queue: LiveQueue, viewer: LiveViewer) -> None:
        super().__init__(queue)
        self._viewer = viewer

    def _present(self, message: BaseModel) -> dict[str, Any]:
        if isinstance(message, LiveEvent):
            message = message.model_copy(update={"event": self._viewer.event(message.event)})
        return message.model_dump(mode="json")


class LiveService:
    """Opens live streams: needs events.read; a principal limited to some cameras gets only
    their messages (filtered before they are queued)."""

    def __init__(self, feed: LiveFeed, events: EventService, audit: AuditLog) -> None:
        self.feed = feed
        self._events = events
        self._audit = audit

    def viewer(self, principal: Principal) -> LiveViewer:
        """AccessDenied (audited) without events.read."""
        require(principal, Permission.EVENTS_READ, self._audit, "live.open")
        return LiveViewer(principal, self._events)

    def open(
        self, principal: Principal, wake: Callable[[], None], maxsize: int | None = None
    ) -> LiveSubscription:
        viewer = self.viewer(principal)

        def accept(message: BaseModel) -> bool:
            return viewer.sees(str(getattr(message, "camera_id", "")))

        queue = self.feed.open(wake, accept, maxsize)
        return LiveSubscription(queue, viewer)
