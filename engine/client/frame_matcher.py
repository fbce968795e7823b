"""FrameMatcher: a remote camera's decoded pictures paired with their detection messages by RTP
tick (engine.relay.messages), delivered in order. A picture waits a bounded time for its
message, then shows without boxes: display never waits on analysis for longer than that."""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.domain import Detections, Frame, FrameResult, utc_now
from engine.relay.messages import RTP_CLOCK, TICK_MASK, FrameDetections

log = logging.getLogger(__name__)
KEPT_MESSAGES = 500  # messages whose picture has not come (yet); the oldest go first


@dataclass
class _Picture:
    tick: int
    image: np.ndarray
    deadline: float


class FrameMatcher:
    """Not thread-safe: one event loop calls it. `deliver` gets each FrameResult in order."""

    def __init__(
        self, camera_id: str, deliver: Callable[[FrameResult], None], wait_s: float = 0.2
    ) -> None:
        self.camera_id = camera_id
        self._deliver = deliver
        self._wait_s = wait_s
        self._pictures: deque[_Picture] = deque()
        self._messages: OrderedDict[int, FrameDetections] = OrderedDict()
        self._last: FrameDetections | None = None  # the newest message seen: pts of the rest
        self._index = -1
        self.matched = 0
        self.unmatched = 0

    def add_picture(self, tick: int, image: np.ndarray, now: float) -> float | None:
        self._pictures.append(_Picture(tick & TICK_MASK, image, now + self._wait_s))
        return self.flush(now)

    def add_message(self, message: FrameDetections, now: float) -> float | None:
        self._messages[message.tick] = message
        self._last = message
        while len(self._messages) > KEPT_MESSAGES:
            self._messages.popitem(last=False)
        return self.flush(now)

    def flush(self, now: float) -> float | None:
        """Deliver what is ready; the seconds until the next picture's deadline, if any."""
        while self._pictures:
            head = self._pictures[0]
            message = self._messages.pop(head.tick, None)
            if message is None and now < head.deadline:
                return head.deadline - now
            self._pictures.popleft()
            self._send(head, message)
        return None

    def _send(self, picture: _Picture, message: FrameDetections | None) -> None:
        if message is not None:
            self.matched += 1
            result = message.result(picture.image, self.camera_id)
        else:
            self.unmatched += 1
            result = FrameResult(
                Frame(
                    picture.image,
                    self._index + 1,
                    self._pts(picture.tick),
                    utc_now(),
                    self.camera_id,
                ),
                Detections.empty(),
                analysed=False,
            )
        self._index = result.frame.index
        try:
            self._deliver(result)
        except Exception:  # a viewer's bug must not stop the stream
            log.exception("frame callback of camera %s failed", self.camera_id)

    def _pts(self, tick: int) -> float:
        """A picture without its message: its pts from the newest message's (tick, pts)."""
        if self._last is None:
            return tick / RTP_CLOCK
        delta = (tick - self._last.tick) & TICK_MASK
        if delta > TICK_MASK // 2:
            delta -= TICK_MASK + 1
        return self._last.pts + delta / RTP_CLOCK
