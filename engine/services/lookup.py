"""find_event: the one way services turn an event id from a caller into a stored event."""

from __future__ import annotations

import uuid
from typing import Any

from engine.domain import Event
from engine.services.errors import NotFound


def find_event(events: Any, event_id: str) -> Event:
    """The stored event with this id from `events` (a repository with get(UUID)); NotFound for
    an unknown or malformed id alike, so a caller cannot tell which it was."""
    try:
        event = events.get(uuid.UUID(str(event_id)))
    except ValueError:
        event = None
    if event is None:
        raise NotFound()
    return event  # type: ignore[no-any-return]
