"""Collects what a device subscription delivers (it calls back on its own thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.domain import DeviceUpdate


class Updates:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[DeviceUpdate] = []

    def __call__(self, update: DeviceUpdate) -> None:
        with self._lock:
            self._items.append(update)

    @property
    def items(self) -> list[DeviceUpdate]:
        with self._lock:
            return list(self._items)

    def where(self, test: Callable[[DeviceUpdate], bool]) -> list[DeviceUpdate]:
        with self._lock:
            return [u for u in self._items if test(u)]

    def of(
        self, device_id: str, test: Callable[[DeviceUpdate], bool] = lambda _u: True
    ) -> list[DeviceUpdate]:
        return self.where(lambda u: u.device.device_id == device_id and test(u))
