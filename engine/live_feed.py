"""LiveFeed: the core's frame results, events and camera states fanned out to many remote
viewers.

Camera threads publish; each subscriber has its own bounded queue. A subscriber that does not
keep up loses its oldest messages (counted, and told so), so a slow viewer never stalls a
camera thread or another viewer. A message is converted to its wire model once, not per viewer.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from engine.domain import CameraStatus, Event, FrameResult
from engine.domain.live import LiveDetections, LiveEvent, LivePong, LiveStatus

# Topics of EngineCore (engine.core) this feed listens to.
FRAMES_TOPIC = "frames"
EVENTS_TOPIC = "events"
STATUS_TOPIC = "status"


class LiveQueue:
    """One subscriber's bounded queue. `accept` filters on the publisher's thread (cheap
    checks only); `wake` is called when the queue goes from empty to non-empty."""

    def __init__(
        self,
        feed: LiveFeed,
        maxsize: int,
        accept: Callable[[BaseModel], bool],
        wake: Callable[[], None],
    ) -> None:
        self._feed = feed
        self._items: deque[BaseModel] = deque(maxlen=maxsize)
        self._lock = threading.Lock()
        self._accept = accept
        self._wake = wake
        self.dropped = 0  # messages lost to slowness since the subscription opened
        self._unreported = 0

    def offer(self, message: BaseModel) -> None:
        if self._accept(message):
            self.put(message)

    def put(self, message: BaseModel) -> None:
        with self._lock:
            was_empty = not self._items
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
                self._unreported += 1
            self._items.append(message)  # a full deque drops its oldest item
        if was_empty:
            self._wake()

    def ping(self) -> None:
        """Queue a pong behind every message already queued."""
        self.put(LivePong())

    def take(self) -> tuple[list[BaseModel], int]:
        """Everything queued, oldest first, and how many were dropped since the last take."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            lost, self._unreported = self._unreported, 0
        return items, lost

    def cancel(self) -> None:
        self._feed._remove(self)


class LiveFeed:
    """Fan-out hub. `attach(subscribe)` hooks it to EngineCore.subscribe; without a core it
    stays silent. Conversion work is skipped while nobody listens."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._queues: tuple[LiveQueue, ...] = ()
        self._handles: list[Any] = []

    def attach(self, subscribe: Callable[[str, Callable[[Any], None]], Any]) -> LiveFeed:
        self._handles.append(subscribe(FRAMES_TOPIC, self.publish_result))
        self._handles.append(subscribe(EVENTS_TOPIC, self.publish_event))
        self._handles.append(subscribe(STATUS_TOPIC, self.publish_status))
        return self

    def detach(self) -> None:
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()

    def open(
        self,
        wake: Callable[[], None],
        accept: Callable[[BaseModel], bool] = lambda _message: True,
        maxsize: int | None = None,
    ) -> LiveQueue:
        queue = LiveQueue(self, maxsize or self.maxsize, accept, wake)
        with self._lock:
            self._queues = (*self._queues, queue)
        return queue

    def _remove(self, queue: LiveQueue) -> None:
        with self._lock:
            self._queues = tuple(q for q in self._queues if q is not queue)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish_result(self, result: FrameResult) -> None:
        if self._queues and result.analysed:
            self.publish(LiveDetections.of(result))

    def publish_event(self, event: Event) -> None:
        if self._queues:
            self.publish(LiveEvent(camera_id=event.camera_id, event=event))

    def publish_status(self, status: CameraStatus) -> None:
        if self._queues:
            self.publish(LiveStatus(camera_id=status.camera_id, status=status))

    def publish(self, message: BaseModel) -> None:
        for queue in self._queues:  # a tuple swapped whole under the lock: safe to iterate
            queue.offer(message)
