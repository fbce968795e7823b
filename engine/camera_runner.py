"""One camera's worker thread: source -> pipeline -> viewers, events -> storage."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from engine.domain import Camera, CameraState, CameraStatus, Event, Frame, FrameResult
from engine.domain.packet import VideoPacket
from engine.pipeline import CameraPipeline
from engine.sources.av_source import is_stream_url
from engine.sources.reconnecting import ReconnectingSource

log = logging.getLogger(__name__)


# A frame handed over later than this behind its due time is not analysed (it gets the
# prediction instead): playback keeps real time and analysis resumes on the next frame on time.
LATE_ANALYSIS_S = 0.04
# Further behind than this, the clock is re-anchored (a stall, a slow machine): showing frames
# later than real time beats replaying a backlog at double speed.
REANCHOR_S = 1.0


class Clock(Protocol):
    """Time as the runner paces by it; tests pass a fake one to make lateness deterministic."""

    def now(self) -> float: ...

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait `seconds` or until `stop` is set; True when stopped."""
        ...


class MonotonicClock:
    """The real clock: time.monotonic, waits on the stop event."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(seconds)


class CameraRunner:
    """Runs a camera until stopped. Files play at their own frame rate (paced by pts) so that a
    bundled clip behaves like a live camera; streams are paced by the sender.

    Display never waits for detection: every decoded frame is published, and a frame is only
    analysed when the thread is on time for it. A thread that falls behind (detection slower
    than the frame rate) predicts the frames it is late for and analyses the first frame it is
    on time for again, so playback does not drift and analysis thins out instead.
    """

    def __init__(
        self,
        camera: Camera,
        pipeline: CameraPipeline,
        *,
        on_result: Callable[[FrameResult], None],
        on_events: Callable[[list[Event]], None],
        on_status: Callable[[CameraStatus], None],
        realtime: bool = True,
        start_offset_s: float = 0.0,
        clock: Clock | None = None,
        on_packet: Callable[[VideoPacket], None] | None = None,
    ) -> None:
        self.camera = camera
        self._on_packet = on_packet
        self.pipeline = pipeline
        self._on_result = on_result
        self._on_events = on_events
        self._on_status = on_status
        self._is_stream = is_stream_url(camera.source)
        self._realtime = realtime and not self._is_stream
        self._start_offset_s = start_offset_s
        self._clock = clock or MonotonicClock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"camera-{camera.name}", daemon=True)
        self.status = CameraStatus(camera_id=str(camera.id), state=CameraState.CONNECTING)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to end after the frame in hand, without waiting."""
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (a file camera ends at its end); True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _timed(self, frames: Iterator[Frame]) -> Iterator[Frame]:
        """The source's frames, the time spent getting each (decoding) added to the stage times."""
        times = self.pipeline.times
        while True:
            t0 = time.perf_counter()
            frame = next(frames, None)
            times.decode += time.perf_counter() - t0
            if frame is None:
                return
            yield frame

    def _set_status(self, status: CameraStatus) -> None:
        self.status = status
        self._on_status(status)

    def _run(self) -> None:
        source = ReconnectingSource(
            self.camera.source,
            camera_id=str(self.camera.id),
            loop=self.camera.loop,
            start_offset_s=self._start_offset_s,
            on_status=self._set_status,
            stop=self._stop,
            on_packet=self._on_packet,
        )
        anchor: tuple[float, float] | None = None
        clock = self._clock
        try:
            for frame in self._timed(source.frames()):
                if anchor is None or frame.discontinuity:
                    anchor = (clock.now(), frame.pts)
                delay = anchor[0] + (frame.pts - anchor[1]) - clock.now()
                if self._realtime and delay > 0 and clock.wait(delay, self._stop):
                    break
                if -delay > REANCHOR_S:
                    anchor = (clock.now(), frame.pts)
                # Streams are paced by the sender, so lateness there means a backlog too.
                on_time = not (self._realtime or self._is_stream) or -delay <= LATE_ANALYSIS_S
                result = self.pipeline.process(frame, may_analyse=on_time)
                self._on_result(result)
                if result.events:
                    self._on_events(result.events)
            self._on_events(self.pipeline.finish())
        except Exception:  # a bug in one camera must not take the others down
            log.exception("camera %s stopped on an error", self.camera.name)
            self._set_status(
                CameraStatus(
                    camera_id=str(self.camera.id),
                    state=CameraState.FAILED,
                    message="internal error",
                )
            )
