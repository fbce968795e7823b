"""PacketTrack: an aiortc video track that hands the sender the camera's own H.264 packets
(or, for an H.265 camera, its one shared transcode: engine.relay.transcode).

aiortc's H.264 sender packetises an `av.Packet` as it is (no encoder runs), with the packet's
pts as RTP time. Each packet also carries that tick in an SEI message (engine.relay.sei), the
key of its detections. Packets arrive from the camera's thread; a viewer starts at a keyframe and a
viewer that falls behind skips to the next keyframe rather than queueing without bound.
"""

from __future__ import annotations

import asyncio
import logging
from fractions import Fraction

import av
from aiortc import MediaStreamTrack

from engine.domain.packet import VideoPacket
from engine.relay.messages import RTP_CLOCK, rtp_tick
from engine.relay.sei import with_tick

log = logging.getLogger(__name__)
MAX_QUEUED = 50  # about 2 s of video: beyond this the viewer skips to the next keyframe


class PacketTrack(MediaStreamTrack):
    """One viewer's video. `first_pts` is the pts of the first packet it accepted: the origin
    of its RTP time (see engine.relay.messages)."""

    kind = "video"

    def __init__(self, loop: asyncio.AbstractEventLoop, camera_id: str = "") -> None:
        super().__init__()
        self.camera_id = camera_id
        self.first_pts: float | None = None
        self._event_loop = loop
        self._queue: asyncio.Queue[VideoPacket] = asyncio.Queue()
        self._sending = False  # the sender asked for a first packet: the peer is connected
        self._need_keyframe = True
        self.skipped = 0

    def push(self, packet: VideoPacket) -> None:
        """Any thread: queue a packet (on the loop, in the order pushed)."""
        if not self._event_loop.is_closed():
            self._event_loop.call_soon_threadsafe(self._accept, packet)

    @property
    def wants_keyframe(self) -> bool:
        """Connected and waiting for a keyframe to start (or restart) on: an encoder shared by
        this camera's viewers then makes one (engine.relay.camera_relay)."""
        return self._sending and self._need_keyframe and self.readyState == "live"

    def tick_of(self, pts: float) -> int | None:
        """The RTP time of a frame this track has sent or will send; None before its start."""
        if self.first_pts is None or pts < self.first_pts:
            return None
        return rtp_tick(pts, self.first_pts)

    def _accept(self, packet: VideoPacket) -> None:
        if self.readyState != "live" or not self._sending:
            return
        if self._queue.qsize() >= MAX_QUEUED:
            self.skipped += self._queue.qsize()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._need_keyframe = True
            log.info("viewer of camera %s fell behind; skipping to a keyframe", self.camera_id)
        if self._need_keyframe:
            if not packet.keyframe:
                return
            self._need_keyframe = False
        if self.first_pts is None:
            self.first_pts = packet.pts  # before any result of this frame can be sent
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        self._sending = True
        packet = await self._queue.get()
        assert self.first_pts is not None
        tick = rtp_tick(packet.pts, self.first_pts)
        out = av.Packet(with_tick(packet.data, tick))
        out.pts = tick
        out.time_base = Fraction(1, RTP_CLOCK)
        return out
