"""Ten seconds of the street clip through detect -> track -> events, checked against cars
annotated by hand (boxes read off the frames, 640x352 source pixels)."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np
import pytest

from engine.config import EventSettings
from engine.domain import EventKind, box_iou
from engine.events.lifecycle import TrackEventEmitter
from engine.events.snapshots import MemorySnapshotWriter
from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import load_detector
from engine.vision.tracker import ByteTracker, TrackerSettings
from tests.helpers import STREET

SEGMENT = (168, 408)  # decode indices: 7.0 s to 17.0 s at 24 fps
# Cars seen by eye in the segment: 3 passing (white pickup, white SUV, black SUV arriving at
# the end), 2 crossing far away at the junction, 5 parked (right kerb, right edge, junction).
CARS_BY_EYE = 10
HAND_ANNOTATED = {
    "white pickup": {
        170: [237, 134, 336, 205],
        176: [248, 136, 380, 231],
        186: [282, 154, 500, 299],
    },
    "white SUV": {230: [253, 134, 355, 207], 240: [293, 155, 436, 249], 250: [349, 168, 574, 329]},
    "parked sedan": {
        176: [356, 134, 415, 163],
        300: [355, 134, 414, 163],
        380: [358, 133, 415, 162],
    },
}


@pytest.fixture(scope="module")
def segment_run():
    detector = load_detector(input_size=416, score_threshold=0.3)
    snapshots = MemorySnapshotWriter()
    emitter = TrackEventEmitter("street", detector.class_names, EventSettings(), snapshots)
    pipeline = CameraPipeline(detector, ByteTracker(TrackerSettings()), events=emitter)
    source = AvVideoSource(STREET)
    results, events = {}, []
    for frame in source.frames():
        if frame.index < SEGMENT[0]:
            continue
        if frame.index >= SEGMENT[1]:
            break
        result = pipeline.process(frame)
        results[frame.index] = result
        events.extend(result.events)
    source.close()
    events.extend(pipeline.finish())
    return results, events, snapshots, detector


def _track_of(result, box) -> int:
    ious = box_iou(np.array([box]), result.detections.xyxy)[0]
    assert len(ious) and ious.max() >= 0.5, f"no tracked box on {box}"
    return int(result.detections.track_id[ious.argmax()])


def test_distinct_ids_stay_near_the_count_by_eye(segment_run):
    results, *_ = segment_run
    ids = {int(t) for r in results.values() for t in r.detections.track_id}
    assert len(ids) <= CARS_BY_EYE * 1.2, sorted(ids)


@pytest.mark.parametrize("car", list(HAND_ANNOTATED))
def test_annotated_car_keeps_one_id(segment_run, car):
    results, *_ = segment_run
    ids = {_track_of(results[index], box) for index, box in HAND_ANNOTATED[car].items()}
    assert len(ids) == 1, f"{car} changed id: {ids}"


@pytest.mark.parametrize("car", list(HAND_ANNOTATED))
def test_annotated_car_enters_and_leaves_once_with_its_snapshot(segment_run, car):
    results, events, snapshots, detector = segment_run
    index, box = next(iter(HAND_ANNOTATED[car].items()))
    track_id = _track_of(results[index], box)
    mine = [e for e in events if e.track_id == track_id]
    assert Counter(e.kind for e in mine) == {EventKind.ENTERED: 1, EventKind.LEFT: 1}
    for event in mine:
        image = cv2.imdecode(
            np.frombuffer(snapshots.images[event.snapshot], np.uint8), cv2.IMREAD_COLOR
        )
        assert image is not None and image.shape == (352, 640, 3)
        seen = detector.detect(image)
        assert box_iou(np.array([event.box]), seen.xyxy).max() >= 0.5
