"""BackgroundOps: engine calls off the GUI thread, their outcome handed back on it (Anki's
CollectionOp pattern). A command waits seconds for a device's ack; the window keeps painting."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")


class BackgroundOps(QObject):
    """Runs calls on a small thread pool; `on_done(value)` or `on_error(exception)` runs on the
    GUI thread afterwards, unless the owner closed meanwhile."""

    _finished = Signal(object, object)  # callback, its argument

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="console-op")
        self._closed = False
        self._finished.connect(self._deliver)

    def run(
        self,
        call: Callable[[], T],
        on_done: Callable[[T], Any],
        on_error: Callable[[Exception], Any],
    ) -> None:
        if self._closed:
            return

        def work() -> None:
            try:
                value = call()
            except Exception as exc:  # the engine refused or failed: the caller shows it
                self._finished.emit(on_error, exc)
                return
            self._finished.emit(on_done, value)

        self._pool.submit(work)

    def _deliver(self, callback: Callable[[Any], Any], value: Any) -> None:
        if not self._closed:
            callback(value)

    def close(self) -> None:
        """Drop what has not started, wait for what has (a command waits ~10 s at most)."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
