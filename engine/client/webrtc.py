"""WebRtcVideo: live frames of a remote engine's cameras over WebRTC, as FrameResult values.

One asyncio loop in a thread of its own runs every peer (aiortc decodes the camera's H.264);
each frame's detections come on the `detections` data channel and are paired with the picture
by the tick the picture carries (engine.relay.sei; engine.client.frame_matcher). Callbacks run
on that thread, as the in-process client's run on camera threads. ICE servers are only those
given: none means host candidates.

A stream that breaks (the server restarts, the network drops) is dialled again, 1 s after, then
every 2, 4 ... 10 s until it is back or cancelled, so a viewer's tile resumes by itself; a server
that refuses the camera (no longer allowed, no longer there) ends the retries.
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
from engine.client.redial import FINAL_REFUSALS, REDIAL_FIRST_S, REDIAL_MAX_S
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
    """One camera's stream; `cancel` hangs up. `pc` and `matcher` (paired and unpaired frame
    counts) are the current connection's; `redials` counts the times it was opened again."""

    def __init__(
        self, owner: WebRtcVideo, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> None:
        self._owner = owner
        self.camera_id = camera_id
        self.callback = callback
        self.pc: RTCPeerConnection | None = None
        self.matcher: FrameMatcher | None = None
        self.redials = 0
        self.cancelled = False
        self.redialling = False

    def cancel(self) -> None:
        self.cancelled = True
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
        relogin: Callable[[], object] | None = None,
    ) -> None:
        """`relogin`: logs in again when a redial is refused for an expired token (a server
        restarted without a configured JWT_SECRET signs with a new key)."""
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._relogin = relogin
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
        subscription = VideoSubscription(self, camera_id, callback)
        opening = asyncio.run_coroutine_threadsafe(self._connect(subscription), self._loop)
        opening.result(timeout=60)
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
        pc = subscription.pc
        if pc is not None and self._loop.is_running():
            closing = asyncio.run_coroutine_threadsafe(pc.close(), self._loop)
            closing.result(timeout=10)

    def _broken(self, subscription: VideoSubscription, pc: RTCPeerConnection) -> None:
        """The connection `pc` ended without a cancel: dial again (once per break)."""
        if subscription.cancelled or subscription.pc is not pc or subscription.redialling:
            return
        subscription.redialling = True
        log.warning("camera %s: the stream broke, dialling again", subscription.camera_id)
        asyncio.get_running_loop().create_task(self._redial(subscription, pc))

    async def _redial(self, subscription: VideoSubscription, broken: RTCPeerConnection) -> None:
        await broken.close()
        delay = REDIAL_FIRST_S
        while not subscription.cancelled:
            await asyncio.sleep(delay)
            delay = min(delay * 2, REDIAL_MAX_S)
            try:
                try:
                    await self._connect(subscription)
                except InvalidCredentials:
                    if self._relogin is None:
                        raise
                    await asyncio.to_thread(self._relogin)
                    await self._connect(subscription)
            except FINAL_REFUSALS as exc:
                log.warning(
                    "camera %s: not dialled again, refused: %r", subscription.camera_id, exc
                )
                break
            except Exception as exc:  # unreachable, timed out, ICE failed: try again later
                log.info(
                    "camera %s: redial failed (%r), next in %.0f s",
                    subscription.camera_id,
                    exc,
                    delay,
                )
                continue
            if subscription.cancelled:  # cancelled while the new connection was being made
                await subscription.pc.close()  # type: ignore[union-attr]
            else:
                subscription.redials += 1
                log.warning("camera %s: stream back", subscription.camera_id)
            break
        subscription.redialling = False

    async def _connect(self, subscription: VideoSubscription) -> None:
        """Open a peer connection for the subscription's camera and make it the current one."""
        loop = asyncio.get_running_loop()
        camera_id, callback = subscription.camera_id, subscription.callback
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
                        self._broken(subscription, pc)
                        return
                    image = picture.to_ndarray(format="bgr24")  # type: ignore[union-attr]
                    tick = read_tick(picture)  # else the receiver's RTP time (see messages)
                    tick = (picture.pts or 0) if tick is None else tick
                    settle(matcher.add_picture(tick, image, time.monotonic()))

            loop.create_task(pictures())

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                self._broken(subscription, pc)

        try:
            await pc.setLocalDescription(await pc.createOffer())
            answer = await self._signal(camera_id, pc.localDescription.sdp)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        except BaseException:
            await pc.close()
            raise
        subscription.pc, subscription.matcher = pc, matcher

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
