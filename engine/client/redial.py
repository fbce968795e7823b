"""Redialled: a live stream that is opened again each time it is lost, until cancelled.

A remote engine restarts, a site's network drops: the console's subscriptions (events, camera
states) must come back by themselves, as the WebRTC frames do (engine.client.webrtc). The first
open raises what refused it, so a caller still learns at once of a wrong password or an
unreachable server; a lost stream is opened again 1 s later, then every 2, 4 ... 10 s. An
answer that will not change by asking again (access denied, no such stream) ends the retries;
an expired token is renewed once per try with `relogin`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from engine.services.errors import AccessDenied, InvalidCredentials, InvalidInput, NotFound

log = logging.getLogger(__name__)

REDIAL_FIRST_S = 1.0
REDIAL_MAX_S = 10.0
FINAL_REFUSALS = (AccessDenied, NotFound, InvalidInput)


class Cancellable(Protocol):
    def cancel(self) -> None: ...


# open_stream(on_lost) opens one connection and calls on_lost (on its own thread) if that
# connection ends without being cancelled.
OpenStream = Callable[[Callable[[], None]], Cancellable]


class Redialled:
    """`redials` counts the times the stream was opened again."""

    def __init__(
        self,
        open_stream: OpenStream,
        *,
        name: str = "live stream",
        relogin: Callable[[], object] | None = None,
        on_lost: Callable[[], None] | None = None,
        on_back: Callable[[], None] | None = None,
        first_s: float = REDIAL_FIRST_S,
        max_s: float = REDIAL_MAX_S,
    ) -> None:
        """`on_lost` and `on_back` are told (on a thread of their own) when the stream is lost
        and when a redial has opened it again, e.g. to fill the gap another way meanwhile."""
        self._open = open_stream
        self._on_lost = on_lost
        self._on_back = on_back
        self._name = name
        self._relogin = relogin
        self._first_s = first_s
        self._max_s = max_s
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._redialler: threading.Thread | None = None
        self.redials = 0
        self._current: Cancellable | None = open_stream(self._lost)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            current, self._current = self._current, None
            redialler = self._redialler
        if current is not None:
            current.cancel()
        if redialler is not None and redialler is not threading.current_thread():
            redialler.join(10)

    def _lost(self) -> None:
        with self._lock:
            if self._cancelled.is_set():
                return
            log.warning("%s lost: dialling again", self._name)
            if self._on_lost is not None:
                self._on_lost()
            self._redialler = threading.Thread(
                target=self._redial, name=f"redial {self._name}", daemon=True
            )
            self._redialler.start()

    def _redial(self) -> None:
        delay = self._first_s
        while not self._cancelled.wait(delay):
            delay = min(delay * 2, self._max_s)
            try:
                stream = self._open_once()
            except FINAL_REFUSALS as exc:
                log.warning("%s not dialled again, refused: %r", self._name, exc)
                return
            except Exception as exc:  # unreachable, timed out, TLS: try again later
                log.info("%s: redial failed (%r), next in %.0f s", self._name, exc, delay)
                continue
            with self._lock:
                stale = stream if self._cancelled.is_set() else None
                if stale is None:
                    self._current = stream
                    self.redials += 1
            if stale is not None:  # cancelled while it was being opened
                stale.cancel()
            else:
                log.warning("%s back", self._name)
                if self._on_back is not None:
                    self._on_back()
            return

    def _open_once(self) -> Cancellable:
        try:
            return self._open(self._lost)
        except InvalidCredentials:
            if self._relogin is None:
                raise
            self._relogin()
            return self._open(self._lost)
