"""Reconnect with backoff: a camera that drops or cannot be reached is retried, its state
reported, and pts stay monotonic across reconnects (the first frame after one is flagged)."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.domain import CameraState, CameraStatus, Frame
from engine.domain.packet import VideoPacket
from engine.sources.av_source import AvVideoSource, is_stream_url
from engine.sources.base import SourceError

log = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Exponential backoff with jitter, so many cameras behind one dead switch do not retry in
    lockstep."""

    initial_s: float = 1.0
    maximum_s: float = 30.0
    jitter: float = 0.1
    attempt: int = 0

    def next_delay(self) -> float:
        delay = min(self.maximum_s, self.initial_s * (2**self.attempt))
        self.attempt += 1
        return delay * (1 + random.uniform(-self.jitter, self.jitter))

    def reset(self) -> None:
        self.attempt = 0


class ReconnectingSource:
    def __init__(
        self,
        url: str,
        *,
        camera_id: str,
        loop: bool = False,
        start_offset_s: float = 0.0,
        on_status: Callable[[CameraStatus], None] = lambda status: None,
        backoff: Backoff | None = None,
        stop: threading.Event | None = None,
        on_packet: Callable[[VideoPacket], None] | None = None,
    ) -> None:
        self.url = url
        self.camera_id = camera_id
        self.loop = loop
        self._start_offset_s = start_offset_s
        self._on_status = on_status
        self._backoff = backoff or Backoff()
        self._stop = stop or threading.Event()
        self._on_packet = on_packet
        self._next_index = 0
        self._pts_offset = 0.0
        self.fps = 0.0

    def frames(self) -> Iterator[Frame]:
        while not self._stop.is_set():
            self._report(
                CameraState.CONNECTING if self._next_index == 0 else CameraState.RECONNECTING
            )
            source = AvVideoSource(
                self.url,
                camera_id=self.camera_id,
                loop=self.loop,
                start_offset_s=self._start_offset_s if self._next_index == 0 else 0.0,
                first_index=self._next_index,
                pts_offset=self._pts_offset,
                on_packet=self._on_packet,
            )
            try:
                source.open()
                self.fps = source.fps
                self._report(CameraState.LIVE)
                for frame in source.frames():
                    self._backoff.reset()
                    yield frame
                    if self._stop.is_set():
                        return
                if not is_stream_url(self.url):
                    self._report(CameraState.STOPPED, "end of file")
                    return
                error = "stream ended"
            except SourceError as exc:
                error = str(exc)
            finally:
                self._remember(source)
                source.close()
            self._wait_before_retry(error)
        self._report(CameraState.STOPPED)

    def _remember(self, source: AvVideoSource) -> None:
        self._next_index = source.next_index
        if source.last_pts is not None:
            period = 1.0 / source.fps if source.fps else 0.04
            self._pts_offset = source.last_pts + period

    def _wait_before_retry(self, error: str) -> None:
        delay = self._backoff.next_delay()
        log.warning("camera %s: %s; retrying in %.1f s", self.camera_id, error, delay)
        deadline = delay
        while deadline > 0 and not self._stop.is_set():
            self._report(CameraState.RECONNECTING, error, retry_in_s=deadline)
            step = min(1.0, deadline)
            self._stop.wait(step)
            deadline -= step

    def _report(
        self, state: CameraState, message: str = "", retry_in_s: float | None = None
    ) -> None:
        self._on_status(
            CameraStatus(
                camera_id=self.camera_id, state=state, message=message, retry_in_s=retry_in_s
            )
        )
