"""Video files and RTSP streams decoded with PyAV (FFmpeg), keeping each frame's source pts.

PyAV rather than OpenCV because later stages need packets and their timestamps to relay video
without re-encoding, and because pts must survive into the overlay to keep boxes frame-exact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import av.error

from engine.domain import Frame, utc_now
from engine.domain.packet import VideoPacket
from engine.sources.annexb import AnnexBPackets
from engine.sources.base import SourceError

log = logging.getLogger(__name__)

# Low-latency RTSP: TCP interleaved (no UDP loss on busy networks), no input buffering, and a
# socket timeout so an unreachable camera fails in seconds instead of hanging.
RTSP_OPTIONS = {
    "rtsp_transport": "tcp",
    "fflags": "nobuffer",
    "flags": "low_delay",
    "max_delay": "500000",
    "timeout": "5000000",
}


def is_stream_url(url: str) -> bool:
    return url.startswith(("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://"))


class AvVideoSource:
    """Decodes one file or stream. A looping file restarts at its end with pts continuing past
    the last frame (monotonic), the first frame after the loop flagged as a discontinuity.

    `on_packet`, when given, gets every compressed H.264/H.265 packet (Annex B) before any frame
    decoded from it is yielded, with the same pts as that frame: the relay to remote viewers
    sends the camera's own H.264 and never decodes or encodes it for them (H.265 is transcoded
    once per camera, engine.relay.transcode)."""

    def __init__(
        self,
        url: str | Path,
        *,
        camera_id: str = "",
        loop: bool = False,
        start_offset_s: float = 0.0,
        first_index: int = 0,
        pts_offset: float = 0.0,
        on_packet: Callable[[VideoPacket], None] | None = None,
    ) -> None:
        self.url = str(url)
        self._on_packet = on_packet
        self.camera_id = camera_id
        self.loop = loop
        self._start_offset_s = start_offset_s
        self._index = first_index
        self._pts_offset = pts_offset
        self._last_pts: float | None = None
        self._container: av.container.InputContainer | None = None
        self.fps = 0.0
        self.width = 0
        self.height = 0

    @property
    def next_index(self) -> int:
        return self._index

    @property
    def last_pts(self) -> float | None:
        return self._last_pts

    def open(self) -> None:
        stream_url = is_stream_url(self.url)
        if not stream_url and not Path(self.url).is_file():
            raise SourceError(f"video file not found: {self.url}")
        try:
            container = av.open(self.url, options=RTSP_OPTIONS if stream_url else {}, timeout=10)
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceError(f"cannot open {self.url}: {_reason(exc)}") from None
        if not container.streams.video:
            container.close()
            raise SourceError(f"no video stream in {self.url}")
        stream = container.streams.video[0]
        # Frame threading holds back one decoded frame per thread: ~80 ms more latency on a
        # live stream (bench/latency.py). Files are throughput, not latency: AUTO there.
        stream.thread_type = "SLICE" if stream_url else "AUTO"
        self.fps = float(stream.average_rate or stream.guessed_rate or 25)
        self.width = stream.codec_context.width
        self.height = stream.codec_context.height
        self._container = container
        if self._start_offset_s > 0 and not stream_url:
            container.seek(int(self._start_offset_s / float(stream.time_base)), stream=stream)

    def frames(self) -> Iterator[Frame]:
        if self._container is None:
            self.open()
        discontinuity = self._index > 0
        while True:
            produced = False
            for frame in self._decode():
                produced = True
                yield frame if not discontinuity else _flag(frame)
                discontinuity = False
            if not (self.loop and produced):
                return
            self._restart()
            discontinuity = True

    def _decode(self) -> Iterator[Frame]:
        assert self._container is not None
        stream = self._container.streams.video[0]
        relay = AnnexBPackets(stream, self.camera_id) if self._on_packet is not None else None
        time_base = stream.time_base
        assert time_base is not None  # FFmpeg gives every demuxed stream one
        base: float | None = None  # the first packet's pts: packets and frames share it
        try:
            for packet in self._container.demux(stream):
                av_frames = packet.decode()
                if packet.pts is not None:
                    raw = float(packet.pts * time_base)
                    base = raw if base is None else base
                    if relay is not None and self._on_packet is not None:
                        sent = relay.convert(packet, self._source_pts(raw, base))
                        if sent is not None:
                            self._on_packet(sent)
                for av_frame in av_frames:
                    if av_frame.pts is None:
                        continue
                    raw = float(av_frame.pts * time_base)
                    base = raw if base is None else base
                    pts = self._source_pts(raw, base)
                    if self._last_pts is not None and pts <= self._last_pts:
                        continue  # B-frame reorder glitches or a broken stream: keep pts monotonic
                    self._last_pts = pts
                    image = av_frame.to_ndarray(format="bgr24")
                    yield Frame(image, self._index, pts, utc_now(), self.camera_id)
                    self._index += 1
        except av.error.EOFError:
            return
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceError(f"decode failed on {self.url}: {_reason(exc)}") from None

    def _source_pts(self, raw: float, base: float) -> float:
        """Seconds on the source's monotonic clock: raw on the first open, continuing at the
        offset after a loop or reconnect."""
        return self._pts_offset + raw - (base if self._pts_offset else 0.0)

    def _restart(self) -> None:
        """Loop: reopen at the start; pts continue one frame period after the last one."""
        frame_period = 1.0 / self.fps if self.fps else 0.04
        self._pts_offset = (self._last_pts or 0.0) + frame_period
        self.close()
        self._start_offset_s = 0.0
        self.open()
        log.debug("looped %s, pts continue at %.3f", self.url, self._pts_offset)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


def _flag(frame: Frame) -> Frame:
    return Frame(frame.image, frame.index, frame.pts, frame.captured_at, frame.camera_id, True)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
