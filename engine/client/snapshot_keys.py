"""SnapshotKeys: which event each snapshot key came with, for `EngineClient.get_snapshot(key)`.

The services serve a snapshot by its event (`PlateService.snapshot`, `GET
/events/{id}/snapshot`): the event says whose camera it is and whether its plate must be
blurred, which a bare key does not. A client hands out keys only on events, so it remembers
the event of each key it handed out (the newest ones, bounded) and asks for the snapshot by it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.domain import Event
from engine.services.errors import NotFound

KEPT_KEYS = 50_000  # about the events of a busy site's day, a few MB


class SnapshotKeys:
    """Thread-safe: camera threads and the caller's thread remember keys."""

    def __init__(self, kept: int = KEPT_KEYS) -> None:
        self._events: OrderedDict[str, str] = OrderedDict()
        self._kept = kept
        self._lock = threading.Lock()

    def remember(self, event: Event) -> Event:
        """Note the event's snapshot key; returns the event, for use in expressions."""
        if event.snapshot is not None:
            with self._lock:
                self._events[event.snapshot] = str(event.id)
                self._events.move_to_end(event.snapshot)
                while len(self._events) > self._kept:
                    self._events.popitem(last=False)
        return event

    def event_id(self, key: str) -> str:
        """The event a key came with; NotFound for a key this client never handed out."""
        with self._lock:
            found = self._events.get(key)
        if found is None:
            raise NotFound()
        return found
