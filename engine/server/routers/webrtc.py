"""`POST /webrtc/offer`: WebRTC signalling for live video (video.view and the camera right).

The viewer offers one recvonly video and a `detections` data channel; the answer relays the
camera's own H.264 (no decode or encode per viewer; an H.265 camera is transcoded once for all
its viewers) with each frame's detections beside it (engine.relay). Peers live on the server's
event loop and are closed when it shuts down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from engine.relay.peers import OfferError, RelayPeers
from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.errors import InvalidInput


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    peers: RelayPeers | None = getattr(app.state, "webrtc_peers", None)
    if peers is not None:
        await peers.close()


router = APIRouter(tags=["video"], lifespan=_lifespan)


class WebRtcOffer(BaseModel):
    """A viewer's SDP offer for one camera."""

    camera_id: str = Field(min_length=1, max_length=128)
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"] = "offer"


class WebRtcAnswer(BaseModel):
    sdp: str
    type: Literal["answer"] = "answer"


@router.post("/webrtc/offer", response_model=WebRtcAnswer, openapi_extra=permission("video.view"))
async def offer(
    body: WebRtcOffer, principal: PrincipalDep, services: ServicesDep, request: Request
) -> WebRtcAnswer:
    grant = await run_in_threadpool(services.video.open, principal, body.camera_id)
    peers = _peers(request, services.video.ice_servers)
    try:
        sdp = await peers.answer(body.sdp, grant)
    except OfferError as exc:
        raise InvalidInput(str(exc)) from None
    return WebRtcAnswer(sdp=sdp)


def _peers(request: Request, ice_servers: list[str]) -> RelayPeers:
    state = request.app.state
    if getattr(state, "webrtc_peers", None) is None:
        state.webrtc_peers = RelayPeers(ice_servers)
    return state.webrtc_peers  # type: ignore[no-any-return]
