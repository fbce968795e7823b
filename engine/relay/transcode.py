"""H.264 for viewers of cameras that send something else (H.265): decoded and re-encoded ONCE
per camera, whatever the number of viewers (engine.relay.camera_relay shares it).

WebRTC viewers get H.264 (every browser and aiortc decode it; H.265 is not negotiable). An H.265
camera's packets are decoded here and encoded with libx264 (ultrafast, zerolatency: no B-frames
and no lookahead, so each picture leaves as soon as it is decoded). Each H.264 packet keeps the
source pts of its picture, so the relay's SEI tick and the detections keyed by pts pair exactly
as for a camera relayed as is. Keyframes follow the camera's, and come at once when a viewer
waits for one (a new viewer, or one that fell behind).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from contextlib import suppress
from fractions import Fraction
from typing import cast

import av
import av.error
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType

from engine.domain.packet import VideoPacket

log = logging.getLogger(__name__)

ENCODER = "libx264"
ENCODER_OPTIONS = {
    "preset": "ultrafast",
    "tune": "zerolatency",
    "forced-idr": "1",  # a requested keyframe is an IDR: a new viewer can start on it
    "profile": "baseline",  # what WebRTC's H.264 (packetization-mode 1, 42e01f) expects
}
TIME_BASE = Fraction(1, 90_000)
MAX_QUEUED = 50  # about 2 s of video: beyond this, packets are dropped to the next keyframe
_PTS_KEPT = 256  # decoder reorder window we remember source pts for


class H264Transcoder:
    """Synchronous: `transcode(packet)` -> the H.264 packets of the pictures it completed.
    Starts at the source's first keyframe; a source whose size changes gets a new encoder."""

    def __init__(self, camera_id: str = "", source_codec: str = "hevc") -> None:
        self.camera_id = camera_id
        self.source_codec = source_codec
        self._decoder = cast(VideoCodecContext, av.CodecContext.create(source_codec, "r"))
        self._decoder.thread_type = "SLICE"  # frame threads would hold pictures back
        self._encoder: VideoCodecContext | None = None
        self._synced = False  # a source keyframe was seen: the decoder can start
        self._keyframe_wanted = True
        self._source_pts: dict[int, float] = {}  # decoder input pts -> source seconds
        self._next_in = 0
        self._next_out = 0
        self.frames_encoded = 0

    def request_keyframe(self) -> None:
        """The next picture is encoded as an IDR (any thread)."""
        self._keyframe_wanted = True

    def transcode(self, packet: VideoPacket) -> list[VideoPacket]:
        if not self._synced:
            if not packet.keyframe:
                return []
            self._synced = True
        source = av.Packet(packet.data)
        source.pts = self._next_in
        self._source_pts[self._next_in] = packet.pts
        self._next_in += 1
        if len(self._source_pts) > _PTS_KEPT:  # packets that made no picture
            for stale in sorted(self._source_pts)[: len(self._source_pts) - _PTS_KEPT]:
                del self._source_pts[stale]
        try:
            frames = self._decoder.decode(source)
        except av.error.FFmpegError as exc:
            log.warning("camera %s: undecodable %s packet (%s)", self.camera_id, packet.codec, exc)
            self._synced = False  # wait for the next keyframe
            return []
        out: list[VideoPacket] = []
        for frame in frames:
            pts = self._source_pts.pop(frame.pts, None) if frame.pts is not None else None
            if pts is not None:
                out += self._encode(frame, pts)
        return out

    def _encode(self, frame: av.VideoFrame, pts: float) -> list[VideoPacket]:
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")  # e.g. 10-bit Main 10 cameras
        encoder = self._encoder
        if encoder is None or (encoder.width, encoder.height) != (frame.width, frame.height):
            encoder = self._encoder = _open_encoder(frame.width, frame.height)
            self._keyframe_wanted = True
        out_pts = self._next_out
        self._next_out += 1
        frame.pts = out_pts
        frame.time_base = TIME_BASE
        keyframe = self._keyframe_wanted or frame.key_frame  # the camera's keyframes too
        self._keyframe_wanted = False
        frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        packets = []
        for encoded in encoder.encode(frame):
            # zerolatency: one packet per picture, at once, in order
            packets.append(
                VideoPacket(bytes(encoded), pts, bool(encoded.is_keyframe), self.camera_id)
            )
        self.frames_encoded += 1
        return packets


def _open_encoder(width: int, height: int) -> VideoCodecContext:
    encoder = cast(VideoCodecContext, av.CodecContext.create(ENCODER, "w"))
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = TIME_BASE
    encoder.options = dict(ENCODER_OPTIONS)
    return encoder


class CameraTranscoder:
    """An H264Transcoder on a thread of its own, so the camera's thread only queues packets.
    `deliver` gets each H.264 packet on that thread. A transcoder that falls behind drops the
    source's packets up to its next keyframe rather than queueing without bound."""

    def __init__(
        self,
        camera_id: str,
        source_codec: str,
        deliver: Callable[[VideoPacket], None],
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self.transcoder = H264Transcoder(camera_id, source_codec)
        self.source_codec = source_codec
        self._deliver = deliver
        self._queue: queue.Queue[VideoPacket | None] = queue.Queue(max_queued)
        self._skipping = False
        self.dropped = 0
        self._thread = threading.Thread(
            target=self._run, name=f"transcode-{camera_id}", daemon=True
        )
        self._thread.start()
        log.info("transcoding camera %s from %s to H.264", camera_id, source_codec)

    @property
    def frames_encoded(self) -> int:
        return self.transcoder.frames_encoded

    def push(self, packet: VideoPacket) -> None:
        """Any thread (one at a time: the camera's)."""
        if self._skipping:
            if not packet.keyframe:
                self.dropped += 1
                return
            self._skipping = False
        try:
            self._queue.put_nowait(packet)
        except queue.Full:
            self.dropped += 1
            self._skipping = True

    def request_keyframe(self) -> None:
        self.transcoder.request_keyframe()

    def close(self, timeout: float = 5.0) -> None:
        while True:  # make room for the stop mark: what is queued is not wanted any more
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with suppress(queue.Empty):
                    self._queue.get_nowait()
        self._thread.join(timeout)

    def _run(self) -> None:
        while (packet := self._queue.get()) is not None:
            try:
                for out in self.transcoder.transcode(packet):
                    self._deliver(out)
            except Exception:  # one bad picture must not end the camera's video
                log.exception("transcoding camera %s failed on a packet", self.transcoder.camera_id)
