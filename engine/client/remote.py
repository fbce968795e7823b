"""The remote engine's live event stream (`GET /ws/events`), for the remote EngineClient.

`login` (httpx) gets a token, `RemoteEventStream` opens one WebSocket per subscription
(websockets' threaded client) and calls back on its own thread, like the in-process client's
camera threads do. The remote EngineClient itself is engine.client.remote_client.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, Any

import httpx
from pydantic import Field, TypeAdapter
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from engine.domain import Event
from engine.domain.live import LiveEvent, LiveMessage
from engine.services.errors import (
    AccessDenied,
    InvalidCredentials,
    NotFound,
    ServiceError,
    Unavailable,
)

log = logging.getLogger(__name__)
_MESSAGE: TypeAdapter[LiveMessage] = TypeAdapter(
    Annotated[LiveMessage, Field(discriminator="type")]  # type: ignore[arg-type]
)


def login(base_url: str, name: str, password: str, *, verify: ssl.SSLContext | bool = True) -> str:
    """A bearer token from `POST /auth/login`; InvalidCredentials for a refused login."""
    with httpx.Client(base_url=base_url, verify=verify, timeout=10) as http:
        answer = http.post("/auth/login", json={"name": name, "password": password})
    if answer.status_code == 401:
        raise InvalidCredentials()
    answer.raise_for_status()
    return str(answer.json()["access_token"])


class LiveStreamSubscription:
    """One open stream, owned by its thread. Construction returns once the server accepted
    the stream and raises what refused it (InvalidCredentials, AccessDenied, NotFound for a
    server without the stream, Unavailable, OSError, ...); `cancel` closes it and waits for
    the thread. `messages` reads each message (default: /ws/events'); `on_lost` is called on
    the stream's thread when the connection ends without `cancel` (the server went away)."""

    def __init__(
        self,
        open_connection: Callable[[], AbstractContextManager[ClientConnection]],
        callback: Callable[[Any], None],
        *,
        messages: TypeAdapter[Any] = _MESSAGE,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self._open = open_connection
        self._callback = callback
        self._messages = messages
        self._on_lost = on_lost
        self._cancelled = False
        self._connection: ClientConnection | None = None
        self._error: BaseException | None = None
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-stream", daemon=True)
        self._thread.start()
        self._opened.wait()
        if self._error is not None:
            self._thread.join(10)
            raise self._error

    def ping(self) -> None:
        """Ask for a pong once every message the server queued before it has been delivered."""
        assert self._connection is not None
        self._connection.send('{"type": "ping"}')

    def cancel(self) -> None:
        self._cancelled = True
        if self._connection is not None:
            self._connection.close()
        if threading.current_thread() is not self._thread:
            self._thread.join(10)

    def _run(self) -> None:
        try:
            with self._open() as connection:
                self._connection = connection
                self._opened.set()
                self._receive(connection)
        except InvalidStatus as exc:
            refused = {401: InvalidCredentials, 403: AccessDenied, 404: NotFound, 503: Unavailable}
            self._error = refused.get(exc.response.status_code, ServiceError)()
        except Exception as exc:  # unreachable, TLS, timeouts: the caller of subscribe raises it
            if not self._opened.is_set():
                self._error = exc
            else:
                log.warning("live stream failed: %r", exc)
        finally:
            was_open = self._opened.is_set()
            self._opened.set()
            if was_open and self._error is None and not self._cancelled and self._on_lost:
                self._on_lost()

    def _receive(self, connection: ClientConnection) -> None:
        try:
            for raw in connection:
                try:
                    message = self._messages.validate_json(raw)
                except ValueError:
                    log.warning("live stream: unreadable message skipped")
                    continue
                self._callback(message)
        except ConnectionClosed:
            pass


class RemoteEventStream:
    """Subscriptions to a remote engine's live stream: per-frame detections and track events
    of the cameras the token's user may see, plates as the user's role may see them."""

    def __init__(
        self, base_url: str, token: str, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        scheme, rest = base_url.rstrip("/").split("://", 1)
        self._url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/events"
        self._token = token
        self._ssl = ssl_context

    def subscribe(
        self,
        callback: Callable[[LiveMessage], None],
        *,
        on_lost: Callable[[], None] | None = None,
    ) -> LiveStreamSubscription:
        """Every message (detections, event, dropped, pong). Raises InvalidCredentials or
        AccessDenied when the server refuses the token; `on_lost` as LiveStreamSubscription's."""

        def open_connection() -> AbstractContextManager[ClientConnection]:
            return connect(  # type: ignore[return-value]
                self._url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                ssl=self._ssl if self._url.startswith("wss:") else None,
                open_timeout=10,
            )

        return LiveStreamSubscription(open_connection, callback, on_lost=on_lost)

    def subscribe_events(self, callback: Callable[[Event], None]) -> LiveStreamSubscription:
        """Track events only, as Event values (EngineClient.subscribe_events)."""

        def events_only(message: LiveMessage) -> None:
            if isinstance(message, LiveEvent):
                callback(message.event)

        return self.subscribe(events_only)
