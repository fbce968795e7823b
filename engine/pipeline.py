"""Per-camera analysis: stride and motion gate -> detect -> track -> events, one frame at a time.

Frames between analysed ones get the tracker's prediction at their own pts (flagged predicted),
so a display never waits for detection and never shows a measured box on the wrong frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.domain import Event, Frame, FrameResult
from engine.events.lifecycle import TrackEventEmitter
from engine.vision.detector import Detector
from engine.vision.motion import MotionGate
from engine.vision.tracker import ByteTracker


@dataclass
class StageTimes:
    """Cumulative seconds per stage, for benchmarks and /metrics."""

    detect: float = 0.0
    track: float = 0.0
    events: float = 0.0
    frames: int = 0
    analysed: int = 0


class CameraPipeline:
    def __init__(
        self,
        detector: Detector,
        tracker: ByteTracker,
        *,
        stride: int = 1,
        motion_gate: MotionGate | None = None,
        events: TrackEventEmitter | None = None,
    ) -> None:
        self.detector = detector
        self.tracker = tracker
        self.stride = max(1, stride)
        self.motion_gate = motion_gate
        self.events = events
        self.times = StageTimes()
        self._since_analysed: int | None = None

    def process(self, frame: Frame) -> FrameResult:
        emitted: list[Event] = []
        if frame.discontinuity:
            emitted.extend(self.reset())
        self.times.frames += 1
        if self._wants_analysis(frame):
            self._since_analysed = 0
            self.times.analysed += 1
            t0 = time.perf_counter()
            measured = self.detector.detect(frame.image)
            t1 = time.perf_counter()
            tracked = self.tracker.update(measured, frame.pts)
            t2 = time.perf_counter()
            if self.events is not None:
                emitted.extend(self.events.update(frame, tracked))
            self.times.detect += t1 - t0
            self.times.track += t2 - t1
            self.times.events += time.perf_counter() - t2
            return FrameResult(frame, tracked, True, emitted, self.detector.class_names)
        if self._since_analysed is not None:
            self._since_analysed += 1
        t0 = time.perf_counter()
        predicted = self.tracker.predict(frame.pts)
        self.times.track += time.perf_counter() - t0
        return FrameResult(frame, predicted, False, emitted, self.detector.class_names)

    def _wants_analysis(self, frame: Frame) -> bool:
        if self._since_analysed is not None and self._since_analysed + 1 < self.stride:
            return False
        if self.motion_gate is None:
            return True
        return self.motion_gate.should_detect(frame.image)

    def reset(self) -> list[Event]:
        """A discontinuity (loop, reconnect): tracks end, the gate forgets its background."""
        self.tracker.reset()
        if self.motion_gate is not None:
            self.motion_gate.reset()
        self._since_analysed = None
        return self.events.close_all() if self.events is not None else []

    def finish(self) -> list[Event]:
        return self.events.close_all() if self.events is not None else []
