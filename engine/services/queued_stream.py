"""QueuedStream: one remote viewer's bounded queue of stream messages (engine.live_feed), read
by its WebSocket handler. The live event stream and the device stream are both one."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.domain.live import LiveDropped
from engine.live_feed import LiveQueue


class QueuedStream:
    def __init__(self, queue: LiveQueue) -> None:
        self._queue = queue

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
        """Messages this viewer lost to slowness since it opened."""
        return self._queue.dropped

    def cancel(self) -> None:
        self._queue.cancel()

    def _present(self, message: BaseModel) -> dict[str, Any]:
        """A message as this viewer may see it (subclasses mask what the viewer may not)."""
        return message.model_dump(mode="json")
