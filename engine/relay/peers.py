"""RelayPeers: the WebRTC viewers of one server, each an aiortc peer on the server's event loop
with a PacketTrack and a DetectionSender fed from the camera's topics.

ICE servers are only those configured: aiortc's default is a public STUN host, and nothing
may reach out to the internet unasked. With none, peers offer host candidates only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from engine.domain import FrameResult
from engine.domain.packet import VideoPacket
from engine.relay.detections import CHANNEL_LABEL, DetectionSender
from engine.relay.track import PacketTrack

log = logging.getLogger(__name__)


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class VideoFeed(Protocol):
    """One camera as one viewer may see it (engine.services.video.VideoGrant)."""

    @property
    def camera_id(self) -> str: ...

    def present(self, result: FrameResult) -> FrameResult: ...

    def subscribe_packets(self, callback: Callable[[VideoPacket], None]) -> Cancellable: ...

    def subscribe_results(self, callback: Callable[[FrameResult], None]) -> Cancellable: ...


class OfferError(ValueError):
    """The offer cannot be answered (not SDP, no video, no H.264); the message says why."""


def rtc_configuration(ice_servers: Sequence[str]) -> RTCConfiguration:
    """Exactly these ICE servers (URLs such as stun:host:3478); none means host candidates."""
    return RTCConfiguration(iceServers=[RTCIceServer(urls=url) for url in ice_servers])


def h264_only(transceiver: Any) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    chosen = [c for c in codecs if c.mimeType.lower() in ("video/h264", "video/rtx")]
    transceiver.setCodecPreferences(chosen)


class RelayPeers:
    def __init__(self, ice_servers: Sequence[str] = ()) -> None:
        self.ice_servers = list(ice_servers)
        self._peers: dict[RTCPeerConnection, list[Cancellable]] = {}

    def __len__(self) -> int:
        return len(self._peers)

    async def answer(self, offer_sdp: str, feed: VideoFeed) -> str:
        """Answer a viewer's offer (one recvonly video and a `detections` data channel) and
        start relaying `feed` to it. OfferError for an offer that cannot be answered."""
        loop = asyncio.get_running_loop()
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        track = PacketTrack(loop, feed.camera_id)
        sender = DetectionSender(loop, track, feed.present)
        self._peers[pc] = []

        @pc.on("datachannel")
        def on_channel(channel: RTCDataChannel) -> None:
            if channel.label == CHANNEL_LABEL:
                sender.attach(channel)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc)

        try:
            await self._negotiate(pc, offer_sdp, track)
        except Exception:
            await self._close(pc)
            raise
        self._peers[pc] = [
            feed.subscribe_packets(track.push),
            feed.subscribe_results(sender.push),
        ]
        log.info("relaying camera %s to a viewer (%d viewers)", feed.camera_id, len(self))
        return str(pc.localDescription.sdp)

    async def _negotiate(self, pc: RTCPeerConnection, offer_sdp: str, track: PacketTrack) -> None:
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except (ValueError, KeyError, IndexError) as exc:
            raise OfferError(f"sdp: not a usable offer ({exc})") from None
        videos = [t for t in pc.getTransceivers() if t.kind == "video"]
        if len(videos) != 1:
            raise OfferError("sdp: the offer must receive exactly one video stream")
        h264_only(videos[0])
        pc.addTrack(track)
        try:
            await pc.setLocalDescription(await pc.createAnswer())
        except (ValueError, RuntimeError) as exc:  # e.g. no codec in common
            raise OfferError(f"sdp: cannot answer ({exc})") from None

    async def _close(self, pc: RTCPeerConnection) -> None:
        for subscription in self._peers.pop(pc, []):
            subscription.cancel()
        await pc.close()

    async def close(self) -> None:
        """Hang up on every viewer (server shutdown)."""
        await asyncio.gather(*(self._close(pc) for pc in list(self._peers)))
