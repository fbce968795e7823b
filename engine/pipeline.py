"""Per-camera analysis: stride and motion gate -> detect -> track -> events, one frame at a time.

Frames between analysed ones get a prediction at their own pts (flagged predicted), so a display
never waits for detection and never shows a measured box on the wrong frame. The tracker decides
which tracks are shown; where they are drawn comes from `MotionExtrapolator`: the last measured
box moved by the velocity between the track's last two measurements. The Kalman velocity of
ByteTrack adapts over many frames (it is tuned for association, not display), so after a
reversal or on a new track it drew boxes visibly off for a second; two measurements are enough
for the extrapolation to be right again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.domain import Detections, Event, Frame, FrameResult, box_iou
from engine.events.lifecycle import TrackEventEmitter
from engine.vision.detector import Detector
from engine.vision.motion import MotionGate
from engine.vision.tracker import ByteTracker

if TYPE_CHECKING:  # the plate stage (and its OCR models) load only for ALPR cameras
    from engine.alpr.track_stage import PlateTrackStage


@dataclass
class StageTimes:
    """Cumulative seconds per stage, for benchmarks and /metrics (decode is added by the
    camera runner: the time spent waiting on the source, network waits included)."""

    decode: float = 0.0
    detect: float = 0.0
    track: float = 0.0
    events: float = 0.0
    alpr: float = 0.0  # plate reading on ALPR cameras (OCR, voting, storing plate events)
    frames: int = 0
    analysed: int = 0
    skipped_late: int = 0  # analyses given up because the camera thread was behind real time


class MotionExtrapolator:
    """Display prediction per track: last measured box + two-point velocity * elapsed time.

    A track's previous measurement is its own last box; for a track just confirmed (the
    tracker returns no row for its first, tentative sighting) it is the best-overlapping or
    nearest raw detection of the previous analysed frame.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, np.ndarray, np.ndarray | None]] = {}
        self._previous_raw: tuple[float, Detections] | None = None

    def reset(self) -> None:
        self._last.clear()
        self._previous_raw = None

    def observe(self, pts: float, raw: Detections, tracked: Detections) -> None:
        live: set[int] = set()
        for i in range(len(tracked)):
            tid = int(tracked.track_id[i])
            box = tracked.xyxy[i].astype(np.float64)
            live.add(tid)
            previous = self._last.get(tid)
            before = (previous[0], previous[1]) if previous else self._match_raw(box)
            velocity = None
            if before is not None and pts > before[0]:
                velocity = (_centre(box) - _centre(before[1])) / (pts - before[0])
            self._last[tid] = (pts, box, velocity)
        # A track unmatched here is lost and no longer drawn; its history is stale.
        for tid in [t for t in self._last if t not in live]:
            del self._last[tid]
        self._previous_raw = (pts, raw)

    def _match_raw(self, box: np.ndarray) -> tuple[float, np.ndarray] | None:
        if self._previous_raw is None or len(self._previous_raw[1]) == 0:
            return None
        pts, raw = self._previous_raw
        overlap = box_iou(box[None, :], raw.xyxy)[0]
        distance = np.linalg.norm(
            (raw.xyxy[:, :2] + raw.xyxy[:, 2:]) / 2 - _centre(box)[None, :], axis=1
        )
        best = int(np.argmax(overlap)) if overlap.max() > 0 else int(np.argmin(distance))
        size = max(box[2] - box[0], box[3] - box[1])
        if overlap[best] <= 0 and distance[best] > size:
            return None  # nothing plausibly the same object
        return pts, raw.xyxy[best].astype(np.float64)

    def predict(self, pts: float, predicted: Detections) -> Detections:
        """Move the tracker's predicted rows to where their measurements extrapolate."""
        if len(predicted) == 0:
            return predicted
        boxes = predicted.xyxy.astype(np.float64).copy()
        for i in range(len(predicted)):
            last = self._last.get(int(predicted.track_id[i]))
            if last is None or last[2] is None:
                continue  # no two measurements yet: keep the tracker's own prediction
            t, box, velocity = last
            shift = velocity * max(pts - t, 0.0)
            boxes[i] = box + np.concatenate([shift, shift])
        predicted.xyxy = boxes.astype(np.float32)
        return predicted


def _centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


class CameraPipeline:
    def __init__(
        self,
        detector: Detector,
        tracker: ByteTracker,
        *,
        stride: int = 1,
        motion_gate: MotionGate | None = None,
        events: TrackEventEmitter | None = None,
        plates: PlateTrackStage | None = None,
    ) -> None:
        self.detector = detector
        self.tracker = tracker
        self.stride = max(1, stride)
        self.motion_gate = motion_gate
        self.events = events
        self.plates = plates
        self.times = StageTimes()
        self.extrapolator = MotionExtrapolator()
        self._since_analysed: int | None = None

    def process(self, frame: Frame, *, may_analyse: bool = True) -> FrameResult:
        """`may_analyse=False` (the caller is behind real time) turns a frame that is due for
        analysis into a predicted one; the next frame that may be analysed is."""
        emitted: list[Event] = []
        if frame.discontinuity:
            emitted.extend(self.reset())
        self.times.frames += 1
        wanted = self._wants_analysis(frame)
        if wanted and not may_analyse:
            self.times.skipped_late += 1
        if wanted and may_analyse:
            self._since_analysed = 0
            self.times.analysed += 1
            t0 = time.perf_counter()
            measured = self.detector.detect(frame.image)
            t1 = time.perf_counter()
            tracked = self.tracker.update(measured, frame.pts)
            self.extrapolator.observe(frame.pts, measured, tracked)
            t2 = time.perf_counter()
            if self.events is not None:
                emitted.extend(self.events.update(frame, tracked))
            t3 = time.perf_counter()
            if self.plates is not None:
                emitted.extend(self.plates.update(frame, tracked))
            self.times.detect += t1 - t0
            self.times.track += t2 - t1
            self.times.events += t3 - t2
            self.times.alpr += time.perf_counter() - t3
            return FrameResult(
                frame, tracked, True, emitted, self.detector.class_names, self._plates(tracked)
            )
        if self._since_analysed is not None:
            self._since_analysed += 1
        t0 = time.perf_counter()
        predicted = self.extrapolator.predict(frame.pts, self.tracker.predict(frame.pts))
        self.times.track += time.perf_counter() - t0
        return FrameResult(
            frame, predicted, False, emitted, self.detector.class_names, self._plates(predicted)
        )

    def _plates(self, shown: Detections) -> dict[int, str]:
        """The current plate read of each shown track (ALPR cameras only)."""
        return self.plates.current_texts(shown) if self.plates is not None else {}

    def _wants_analysis(self, frame: Frame) -> bool:
        if self._since_analysed is not None and self._since_analysed + 1 < self.stride:
            return False
        if self.motion_gate is None:
            return True
        return self.motion_gate.should_detect(frame.image)

    def reset(self) -> list[Event]:
        """A discontinuity (loop, reconnect): tracks end, the gate forgets its background."""
        self.tracker.reset()
        self.extrapolator.reset()
        if self.motion_gate is not None:
            self.motion_gate.reset()
        self._since_analysed = None
        return self.finish()

    def finish(self) -> list[Event]:
        """Every open track ends: its 'left' event and its plate event."""
        ended = self.events.close_all() if self.events is not None else []
        if self.plates is not None:
            ended.extend(self.plates.close_all())
        return ended
