"""Per-track voting: unit cases and a generated clip whose single-frame reads disagree."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np
import pytest

from engine.alpr.reader import PlateRead
from engine.alpr.voting import PlateTrackReader, PlateTrackSettings, vote
from engine.domain import Detections, Frame
from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import load_detector
from engine.vision.tracker import ByteTracker


def read(text: str, probs: list[float] | None = None) -> PlateRead:
    probs = probs or [0.9] * len(text)
    conf = float(np.exp(np.mean(np.log(probs))))
    return PlateRead(text, text, tuple(probs), conf, conf, "us", (0, 0, 1, 1), np.zeros((1, 1, 3)))


@pytest.mark.parametrize(
    ("texts", "expected", "min_conf", "max_conf"),
    [
        (["4XXF538"], "4XXF538", 0.85, 0.95),
        (["4XXF538"] * 3, "4XXF538", 0.85, 0.95),
        (["4XXF538", "4XXF533", "4XYF538"], "4XXF538", 0.7, 0.85),  # per position majority
        (["4XXF538", "4XXF538", "XXF538"], "4XXF538", 0.5, 0.65),  # the short read is outvoted
    ],
)
def test_vote(texts, expected, min_conf, max_conf):
    voted = vote([read(t) for t in texts])
    assert voted.text == expected
    assert min_conf <= voted.confidence <= max_conf


def test_vote_weights_characters_by_their_probability():
    sure = read("4XXF538", [0.99] * 7)
    unsure = read("4XXF533", [0.99] * 6 + [0.3])
    assert vote([sure, unsure]).text == "4XXF538"


@pytest.fixture(scope="module")
def tracked_clip(moving_plate_clip) -> list[tuple[Frame, Detections]]:
    """The clip's frames with their tracked vehicles, computed once for the tests below."""
    detector = load_detector(classes=["car", "motorcycle", "bus", "truck"])
    pipeline = CameraPipeline(detector, ByteTracker())
    source = AvVideoSource(str(moving_plate_clip))
    try:
        return [(frame, pipeline.process(frame).detections) for frame in source.frames()]
    finally:
        source.close()


def test_clip_gives_one_event_with_the_right_text_though_a_frame_misread(
    tracked_clip, plate_reader
):
    # Never stop early: every frame is read, so the hard frames' wrong reads are in the vote.
    tracks = PlateTrackReader(plate_reader, PlateTrackSettings(max_reads=100, confident=2.0))
    for frame, detections in tracked_clip:
        tracks.update(frame, detections)
    results = tracks.close_all()
    assert len(results) == 1
    plate = results[0].plate
    assert plate.text == "4XXF538"
    # The vote included single-frame reads that were wrong: voting, not luck, got it right.
    assert plate.agreeing < plate.reads
    assert len(results[0].frames) == plate.reads


def test_clip_is_read_with_few_ocr_calls_and_stops_once_confident(tracked_clip, plate_reader):
    plate_reader.read_image(tracked_clip[0][0].image)  # session warm-up is not a track's cost
    tracks = PlateTrackReader(plate_reader)
    cpu = 0.0
    for frame, detections in tracked_clip:
        start = time.process_time()
        tracks.update(frame, detections)
        cpu += time.process_time() - start
    results = tracks.close_all()
    assert [r.plate.text for r in results] == ["4XXF538"]
    # Bounded cost: reading stopped long before every frame of the track was read.
    assert tracks.ocr_calls <= 4 < len(tracked_clip)
    print(
        f"\nvoting clip: {cpu * 1000 / len(results):.1f} ms CPU per vehicle track"
        f" ({tracks.ocr_calls} OCR calls, {len(tracked_clip)} frames)"
    )


def test_a_vehicle_without_a_readable_plate_is_tried_rarely_and_then_left(plate_reader):
    """car_o4n.jpg shows no plate: over 3 s of frames its track is read after 0, 0.3 and 0.9 s
    (backoff doubling per miss) and then no more, instead of on every analysed frame."""
    import cv2

    from tests.engine.alpr import DATA

    image = cv2.imread(str(DATA / "car_o4n.jpg"))
    assert image is not None
    height, width = image.shape[:2]
    box = Detections(xyxy=[[0, 0, width - 1, height - 1]], score=[0.9], class_id=[2], track_id=[1])
    tracks = PlateTrackReader(plate_reader, PlateTrackSettings())
    read_at = []
    for index in range(75):  # 3 s at 25 fps
        pts = index / 25
        frame = Frame(image=image, index=index, pts=pts, captured_at=datetime.now(timezone.utc))
        if tracks.update(frame, box):
            read_at.append(round(pts, 2))
    assert read_at == [0.0, 0.32, 0.92]
    assert tracks.current(1) is None and tracks.finish(1) is None
