"""`GET /ws/events`: the live event stream over a WebSocket, through LiveService; and
`GET /ws/devices`: device updates (engine.domain.device_stream), through DeviceStreamService.

Credentials go in the handshake's headers, as on every REST route: `Authorization: Bearer
<JWT>` (or `x-api-key`, whose device role may not read events). Not in the query string: it
lands in access logs. A refused handshake is answered with a plain HTTP 401/403 and the
usual fixed body. Server -> client: the messages of engine.domain.live; client -> server:
`{"type": "ping"}` (answered by a pong once every message queued before it is sent).
/ws/devices needs fleet.read and an engine with a device gateway (else a plain HTTP 503: the
client reads GET /devices instead).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from engine.security.principal import Principal
from engine.services import AccessDenied, InvalidCredentials, ServiceError, Services
from engine.services.errors import Unavailable

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])


class _Stream(Protocol):
    """A viewer's queue: LiveSubscription or DeviceStreamSubscription."""

    def take(self) -> list[dict[str, Any]]: ...
    def ping(self) -> None: ...
    def cancel(self) -> None: ...


def _authenticate(services: Services, websocket: WebSocket) -> Principal:
    remote = websocket.client.host if websocket.client else "unknown"
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return services.users.authenticate(token.strip(), remote)
    api_key = websocket.headers.get("x-api-key")
    if api_key:
        return services.device_keys.authenticate(api_key, remote)
    raise InvalidCredentials()


@router.websocket("/ws/events")
async def live_events(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await _serve(websocket, services.live.open)


@router.websocket("/ws/devices")
async def live_devices(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await _serve(websocket, services.device_stream.open)


async def _serve(
    websocket: WebSocket, open_stream: Callable[[Principal, Callable[[], None]], _Stream]
) -> None:
    """Authenticate the handshake, open the caller's stream and relay it until either side
    leaves."""
    services: Services = websocket.app.state.services
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def wake() -> None:  # called on camera and device feed threads
        loop.call_soon_threadsafe(ready.set)

    try:
        principal = await run_in_threadpool(_authenticate, services, websocket)
        subscription = await run_in_threadpool(open_stream, principal, wake)
    except (InvalidCredentials, AccessDenied, Unavailable) as exc:
        await _refuse(websocket, exc)
        return
    try:
        await websocket.accept()
        async with anyio.create_task_group() as streams:
            streams.start_soon(_read, websocket, subscription, streams.cancel_scope)
            streams.start_soon(_write, websocket, subscription, ready, streams.cancel_scope)
    finally:
        subscription.cancel()


async def _refuse(websocket: WebSocket, exc: ServiceError) -> None:
    status = {InvalidCredentials: 401, Unavailable: 503}.get(type(exc), 403)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        # Unavailable names the missing collaborator; the others keep their fixed text.
        detail = str(exc) if status == 503 else type(exc).message
        body = JSONResponse({"detail": detail}, status_code=status, headers=headers)
        await websocket.send_denial_response(body)
    else:  # servers without the denial extension answer a bare 403
        await websocket.close(code=1008)


async def _read(websocket: WebSocket, subscription: _Stream, streams: anyio.CancelScope) -> None:
    try:
        while True:
            try:
                kind = json.loads(await websocket.receive_text()).get("type")
            except (ValueError, AttributeError):
                kind = None
            if kind == "ping":
                subscription.ping()
    except WebSocketDisconnect:
        pass
    finally:
        streams.cancel()  # the viewer left: stop writing too


async def _write(
    websocket: WebSocket,
    subscription: _Stream,
    ready: asyncio.Event,
    streams: anyio.CancelScope,
) -> None:
    try:
        while True:
            await ready.wait()
            ready.clear()
            # take() may write audit rows (clear views of protected fields): off the event loop.
            for message in await run_in_threadpool(subscription.take):
                await websocket.send_json(message)
    except (WebSocketDisconnect, OSError, RuntimeError) as exc:  # the connection went away
        log.debug("live stream ended: %r", exc)
    finally:
        streams.cancel()
