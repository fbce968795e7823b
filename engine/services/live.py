"""LiveService: the live event stream as a principal may see it - events.read, camera rights,
and the same field policy (masking, audited clear views) as the REST event reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from engine.domain.live import LiveDropped, LiveEvent
from engine.live_feed import LiveFeed, LiveQueue
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.events import EventService


class LiveSubscription:
    """One viewer's stream. `take` runs on the viewer's side (it may write audit rows), never
    on a camera thread."""

    def __init__(self, queue: LiveQueue, principal: Principal, events: EventService) -> None:
        self._queue = queue
        self._principal = principal
        self._events = events

    def take(self) -> list[dict[str, Any]]:
        """The queued messages as JSON-ready dicts, a `dropped` notice first if any were lost."""
        messages, lost = self._queue.take()
        out = [LiveDropped(count=lost).model_dump(mode="json")] if lost else []
        out.extend(self._present(message) for message in messages)
        return out

    def ping(self) -> None:
        self._queue.ping()

    @property
    def dropped(self) -> int:
        return self._queue.dropped

    def cancel(self) -> None:
        self._queue.cancel()

    def _present(self, message: BaseModel) -> dict[str, Any]:
        if isinstance(message, LiveEvent):
            message = message.model_copy(
                update={"event": self._events.present(self._principal, message.event)}
            )
        return message.model_dump(mode="json")


class LiveService:
    """Opens live subscriptions: needs events.read; a principal limited to some cameras gets
    only their messages (filtered before they are queued)."""

    def __init__(self, feed: LiveFeed, events: EventService, audit: AuditLog) -> None:
        self.feed = feed
        self._events = events
        self._audit = audit

    def open(
        self, principal: Principal, wake: Callable[[], None], maxsize: int | None = None
    ) -> LiveSubscription:
        require(principal, Permission.EVENTS_READ, self._audit, "live.open")

        def accept(message: BaseModel) -> bool:
            return principal.can_see_camera(str(getattr(message, "camera_id", "")))

        queue = self.feed.open(wake, accept, maxsize)
        return LiveSubscription(queue, principal, self._events)
