"""WebRtcVideo: live frames of a remote engine's cameras over WebRTC, as FrameResult values.

One asyncio loop in a thread of its own runs every peer (aiortc decodes the camera's H.264);
each frame's detections come on the `detections` data channel and are paired with the picture
by the tick the picture carries (engine.relay.sei; engine.client.frame_matcher). Callbacks run
on that thread, as the in-process client's run on camera threads. ICE servers are only those
given: none means host candidates.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence

import httpx
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from pydantic import ValidationError

from engine.client.frame_matcher import FrameMatcher
from engine.domain import FrameResult
from engine.relay.detections import CHANNEL_LABEL
from engine.relay.messages import FrameDetections
from engine.relay.peers import h264_only, rtc_configuration
from engine.relay.sei import read_tick
from engine.services.errors import (
    AccessDenied,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    ServiceError,
    Unavailable,
)

log = logging.getLogger(__name__)
_REFUSED: dict[int, type[ServiceError]] = {
    401: InvalidCredentials,
    403: AccessDenied,
    404: NotFound,
    503: Unavailable,
}


class VideoSubscription:
    """One camera's stream; `cancel` hangs up. `matcher` counts paired and unpaired frames."""

    def __init__(self, owner: WebRtcVideo, pc: RTCPeerConnection, matcher: FrameMatcher) -> None:
        self._owner = owner
        self.pc = pc
        self.matcher = matcher

    def cancel(self) -> None:
        self._owner._hang_up(self)


class WebRtcVideo:
    """`wait_s`: how long a picture waits for its detections before it shows without them.
    `token`: the bearer token, or a function giving the current one (a client that logs in
    again when its token expires)."""

    def __init__(
        self,
        base_url: str,
        token: str | Callable[[], str],
        *,
        verify: ssl.SSLContext | bool = True,
        ice_servers: Sequence[str] = (),
        wait_s: float = 0.2,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._verify = verify
        self._ice_servers = list(ice_servers)
        self._wait_s = wait_s
        self._subscriptions: set[VideoSubscription] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="webrtc", daemon=True)
        self._thread.start()

    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> VideoSubscription:
        """Start receiving; raises InvalidCredentials, AccessDenied, NotFound, ... when the
        server refuses, OSError when it cannot be reached."""
        opening = asyncio.run_coroutine_threadsafe(self._open(camera_id, callback), self._loop)
        subscription = opening.result(timeout=60)
        self._subscriptions.add(subscription)
        return subscription

    def close(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.cancel()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _hang_up(self, subscription: VideoSubscription) -> None:
        self._subscriptions.discard(subscription)
        if self._loop.is_running():
            closing = asyncio.run_coroutine_threadsafe(subscription.pc.close(), self._loop)
            closing.result(timeout=10)

    async def _open(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> VideoSubscription:
        loop = asyncio.get_running_loop()
        pc = RTCPeerConnection(rtc_configuration(self._ice_servers))
        matcher = FrameMatcher(camera_id, callback, self._wait_s)
        timer: list[asyncio.TimerHandle] = []

        def settle(wait: float | None) -> None:
            for handle in timer:
                handle.cancel()
            timer.clear()
            if wait is not None:
                timer.append(loop.call_later(wait, lambda: settle(matcher.flush(time.monotonic()))))

        h264_only(pc.addTransceiver("video", direction="recvonly"))
        channel = pc.createDataChannel(CHANNEL_LABEL)

        @channel.on("message")
        def on_message(raw: str | bytes) -> None:
            try:
                message = FrameDetections.model_validate_json(raw)
            except ValidationError:
                log.warning("camera %s: unreadable detections message skipped", camera_id)
                return
            settle(matcher.add_message(message, time.monotonic()))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            async def pictures() -> None:
                while True:
                    try:
                        picture = await track.recv()
                    except MediaStreamError:
                        return
                    image = picture.to_ndarray(format="bgr24")  # type: ignore[union-attr]
                    tick = read_tick(picture)  # else the receiver's RTP time (see messages)
                    tick = (picture.pts or 0) if tick is None else tick
                    settle(matcher.add_picture(tick, image, time.monotonic()))

            loop.create_task(pictures())

        try:
            await pc.setLocalDescription(await pc.createOffer())
            answer = await self._signal(camera_id, pc.localDescription.sdp)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        except BaseException:
            await pc.close()
            raise
        return VideoSubscription(self, pc, matcher)

    async def _signal(self, camera_id: str, sdp: str) -> str:
        body = {"camera_id": camera_id, "sdp": sdp, "type": "offer"}
        token = self._token() if callable(self._token) else self._token
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            base_url=self._base_url, verify=self._verify, timeout=30
        ) as http:
            answer = await http.post("/webrtc/offer", json=body, headers=headers)
        if answer.status_code == 422:
            raise InvalidInput(str(answer.json().get("detail")))
        if answer.status_code != 200:
            raise _REFUSED.get(answer.status_code, ServiceError)()
        return str(answer.json()["sdp"])
