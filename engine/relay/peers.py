"""RelayPeers: the WebRTC viewers of one server, each an aiortc peer on the server's event loop
with a PacketTrack and a DetectionSender fed from the camera's topics. The video of one camera
reaches all of its viewers through one CameraRelay (one transcode for an H.265 camera).

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
from engine.relay.camera_relay import CameraRelay
from engine.relay.detections import CHANNEL_LABEL, DetectionSender
from engine.relay.track import PacketTrack
from engine.relay.transcode import CameraTranscoder

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
        self._cameras: dict[str, CameraRelay] = {}
        self.transcoders_started = 0  # over the server's life: one per H.265 camera watched

    def __len__(self) -> int:
        return len(self._peers)

    @property
    def transcoders(self) -> dict[str, CameraTranscoder]:
        """The transcoders running now, by camera: at most one per camera."""
        found = {cid: relay.transcoder for cid, relay in list(self._cameras.items())}
        return {cid: t for cid, t in found.items() if t is not None}

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
        self._peers[pc] = [self._join(feed, track), feed.subscribe_results(sender.push)]
        log.info("relaying camera %s to a viewer (%d viewers)", feed.camera_id, len(self))
        return str(pc.localDescription.sdp)

    def _join(self, feed: VideoFeed, track: PacketTrack) -> Cancellable:
        """`track` gets the camera's video from the camera's one relay (made for its first
        viewer, closed after its last)."""
        camera_id = feed.camera_id
        relay = self._cameras.get(camera_id)
        if relay is None:
            relay = CameraRelay(camera_id, feed.subscribe_packets, self._count_transcoder)
            self._cameras[camera_id] = relay
        relay.add(track)
        return _Leave(self, relay, track)

    def _leave(self, relay: CameraRelay, track: PacketTrack) -> None:
        if relay.remove(track) and self._cameras.get(relay.camera_id) is relay:
            del self._cameras[relay.camera_id]
            relay.close()

    def _count_transcoder(self, _transcoder: CameraTranscoder) -> None:
        self.transcoders_started += 1

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


class _Leave:
    def __init__(self, peers: RelayPeers, relay: CameraRelay, track: PacketTrack) -> None:
        self._peers, self._relay, self._track = peers, relay, track

    def cancel(self) -> None:
        self._peers._leave(self._relay, self._track)
