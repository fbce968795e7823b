"""DetectionSender: each relayed frame's detections on the viewer's `detections` data channel."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from aiortc import RTCDataChannel

from engine.domain import FrameResult
from engine.relay.messages import FrameDetections
from engine.relay.track import PacketTrack

CHANNEL_LABEL = "detections"
EARLY_KEPT = 100  # messages kept while the channel opens (the video may start first)
MAX_BUFFERED = 1 << 20  # bytes queued in the channel beyond which a slow viewer skips messages


class DetectionSender:
    """Results come from the camera's thread; messages go out on the loop, after the packet of
    the same frame was queued (both are posted to the loop in the order the camera made them).
    `present` masks what the viewer may not see (plates)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        track: PacketTrack,
        present: Callable[[FrameResult], FrameResult],
    ) -> None:
        self._loop = loop
        self._track = track
        self._present = present
        self._channel: RTCDataChannel | None = None
        self._early: deque[str] = deque(maxlen=EARLY_KEPT)
        self.skipped = 0

    def push(self, result: FrameResult) -> None:
        """Any thread."""
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._send, result)

    def attach(self, channel: RTCDataChannel) -> None:
        self._channel = channel

        def flush() -> None:
            while self._early:
                channel.send(self._early.popleft())

        if channel.readyState == "open":
            flush()
        else:
            channel.on("open", flush)

    def _send(self, result: FrameResult) -> None:
        tick = self._track.tick_of(result.frame.pts)
        if tick is None:
            return  # a frame before this viewer's first keyframe
        message = FrameDetections.of(self._present(result), tick).model_dump_json(by_alias=True)
        channel = self._channel
        if channel is None or channel.readyState != "open":
            self._early.append(message)
        elif channel.bufferedAmount > MAX_BUFFERED:
            self.skipped += 1  # the frame shows without boxes rather than everything lagging
        else:
            channel.send(message)
