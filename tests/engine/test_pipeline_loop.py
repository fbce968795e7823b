"""A looping file: pts keep rising, and the tracker and open events end at the loop."""

from __future__ import annotations

import numpy as np

from engine.config import EventSettings
from engine.domain import EventKind
from engine.events.lifecycle import TrackEventEmitter
from engine.events.snapshots import MemorySnapshotWriter
from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import load_detector
from engine.vision.tracker import ByteTracker, TrackerSettings
from tests.helpers import STREET_SHORT


def test_loop_keeps_pts_monotonic_and_resets_tracking():
    detector = load_detector(input_size=320)
    emitter = TrackEventEmitter(
        "loop", detector.class_names, EventSettings(), MemorySnapshotWriter()
    )
    pipeline = CameraPipeline(detector, ByteTracker(TrackerSettings()), events=emitter)
    # start 2.5 s before the end so the loop comes quickly, then play 2.5 s of the next pass
    source = AvVideoSource(STREET_SHORT, loop=True, start_offset_s=8.5)
    results = []
    for frame in source.frames():
        results.append(pipeline.process(frame))
        if len(results) >= 120:
            break
    source.close()
    pts = np.array([r.frame.pts for r in results])
    assert (np.diff(pts) > 0).all()
    loop_at = next(i for i, r in enumerate(results) if r.frame.discontinuity)
    assert 20 < loop_at < 100
    before = {int(t) for r in results[:loop_at] for t in r.detections.track_id}
    after = {int(t) for r in results[loop_at:] for t in r.detections.track_id}
    assert before and after
    assert min(after) > max(before), "tracks survived the loop"
    # every vehicle still in view at the loop leaves there
    events_before = [e for r in results[:loop_at] for e in r.events]
    entered = {e.track_id for e in events_before if e.kind is EventKind.ENTERED}
    still_open = entered - {e.track_id for e in events_before if e.kind is EventKind.LEFT}
    left_at_loop = {e.track_id for e in results[loop_at].events if e.kind is EventKind.LEFT}
    assert still_open and still_open == left_at_loop
