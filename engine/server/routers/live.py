"""`GET /ws/events`: the live event stream over a WebSocket, through LiveService.

Credentials go in the handshake's headers, as on every REST route: `Authorization: Bearer
<JWT>` (or `x-api-key`, whose device role may not read events). Not in the query string: it
lands in access logs. A refused handshake is answered with a plain HTTP 401/403 and the
usual fixed body. Server -> client: the messages of engine.domain.live; client -> server:
`{"type": "ping"}` (answered by a pong once every message queued before it is sent).
"""

from __future__ import annotations

import asyncio
import json
import logging

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from engine.security.principal import Principal
from engine.services import AccessDenied, InvalidCredentials, ServiceError, Services
from engine.services.live import LiveSubscription

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])


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
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def wake() -> None:  # called on camera threads
        loop.call_soon_threadsafe(ready.set)

    try:
        principal = await run_in_threadpool(_authenticate, services, websocket)
        subscription = await run_in_threadpool(services.live.open, principal, wake)
    except (InvalidCredentials, AccessDenied) as exc:
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
    status = 401 if isinstance(exc, InvalidCredentials) else 403
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = JSONResponse({"detail": type(exc).message}, status_code=status, headers=headers)
        await websocket.send_denial_response(body)
    else:  # servers without the denial extension answer a bare 403
        await websocket.close(code=1008)


async def _read(
    websocket: WebSocket, subscription: LiveSubscription, streams: anyio.CancelScope
) -> None:
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
    subscription: LiveSubscription,
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
