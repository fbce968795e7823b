"""The motion gate in the pipeline: a still camera costs almost no detection, and a car that
appears is detected within the gate's documented maximum skip."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from engine.domain import Detections, box_iou
from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import load_detector
from engine.vision.motion import MotionGate, MotionGateSettings
from engine.vision.tracker import ByteTracker, TrackerSettings
from tests.helpers import STREET, read_frame

EMPTY_STREET_FRAME = 830  # no car moving at this moment
SUV_FRAME, SUV_BOX = 240, (293, 155, 436, 249)  # the white SUV, boxed by hand
PASTE_AT = (330, 170)  # top-left where the SUV is pasted onto the empty road
APPEARS_AT = 100


class CountingDetector:
    """The real detector, recording which frames it was asked about and what it found."""

    def __init__(self) -> None:
        self.inner = load_detector(input_size=416)
        self.class_names = self.inner.class_names
        self.input_size = self.inner.input_size
        self.calls: list[Detections] = []

    def detect(self, image: np.ndarray) -> Detections:
        found = self.inner.detect(image)
        self.calls.append(found)
        return found


def _still_clip_with_a_car_appearing(path: Path, frames: int = 200) -> tuple[int, int, int, int]:
    background = read_frame(STREET, EMPTY_STREET_FRAME)
    x1, y1, x2, y2 = SUV_BOX
    suv = read_frame(STREET, SUV_FRAME)[y1:y2, x1:x2]
    px, py = PASTE_AT
    with_car = background.copy()
    with_car[py : py + suv.shape[0], px : px + suv.shape[1]] = suv
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 352, "yuv420p"
        for i in range(frames):
            picture = with_car if i >= APPEARS_AT else background
            noisy = np.clip(picture + rng.normal(0, 2, picture.shape), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(noisy, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return px, py, px + suv.shape[1], py + suv.shape[0]


def test_gate_skips_a_still_scene_and_catches_a_car_within_max_skip(tmp_path):
    clip = tmp_path / "still.mp4"
    pasted_box = _still_clip_with_a_car_appearing(clip)
    settings = MotionGateSettings()
    detector = CountingDetector()
    pipeline = CameraPipeline(
        detector, ByteTracker(TrackerSettings()), motion_gate=MotionGate(settings)
    )
    analysed_at = []
    source = AvVideoSource(clip)
    for frame in source.frames():
        if pipeline.process(frame).analysed:
            analysed_at.append(frame.index)
    source.close()

    still = [i for i in analysed_at if i < APPEARS_AT]
    assert len(still) <= 0.10 * APPEARS_AT, still
    caught = [
        index
        for index, found in zip(analysed_at, detector.calls, strict=True)
        if index >= APPEARS_AT and box_iou(np.array([pasted_box]), found.xyxy).max(initial=0) >= 0.5
    ]
    assert caught and caught[0] <= APPEARS_AT + settings.max_skip, (caught, analysed_at)
