"""A tiny thread-safe fan-out: callbacks registered per topic, each delivery isolated so one
failing viewer never breaks a camera thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class _Handle:
    def __init__(self, hub: SubscriberHub, topic: str, callback: Callable[[Any], None]) -> None:
        self._hub, self._topic, self._callback = hub, topic, callback

    def cancel(self) -> None:
        self._hub._remove(self._topic, self._callback)


class SubscriberHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: dict[str, list[Callable[[Any], None]]] = {}

    def subscribe(self, topic: str, callback: Callable[[Any], None]) -> _Handle:
        with self._lock:
            self._callbacks.setdefault(topic, []).append(callback)
        return _Handle(self, topic, callback)

    def _remove(self, topic: str, callback: Callable[[Any], None]) -> None:
        with self._lock:
            callbacks = self._callbacks.get(topic, [])
            if callback in callbacks:
                callbacks.remove(callback)

    def publish(self, topic: str, payload: Any) -> None:
        with self._lock:
            callbacks = list(self._callbacks.get(topic, ()))
        for callback in callbacks:
            try:
                callback(payload)
            except Exception:
                log.exception("subscriber of %s failed", topic)
