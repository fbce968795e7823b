"""Overlay truth on pixels: every frame the tile paints is grabbed (hooked on its paint), the
drawn outline is found by its track colour and compared with where the square really is at
THAT frame's pts - through the real engine, in-process client and console tile. Then the same
with YOLOX-Nano on a real car: on analysed frames the drawn box is the detector's own box for
that frame."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from console.video_wall.overlay import track_colour
from engine.domain import Camera, Detections, DetectionSettings, box_iou
from engine.vision import Detector, DetectorConfig, create_detector, register_detector
from tests.console import moving_square as sq
from tests.console import pasted_car as car
from tests.console.outline_recorder import Drawn, judge, record_outlines
from tests.console.pixels import find_outline, pixels

FRAMES = 130


@pytest.mark.parametrize("stride", [1, 5])
def test_drawn_boxes_follow_the_square_frame_by_frame(make_console, qtbot, tmp_path, stride):
    xs = sq.square_track(FRAMES)
    clip = sq.write_clip(tmp_path / "square.mp4", xs)
    window = make_console(demo=False, detector={"type": "colour-blob"})
    window.set_layout(1)
    window.resize(1100, 560)  # a smaller tile keeps a grab per painted frame cheap
    camera = window.add_camera(
        Camera(
            name="square", source=str(clip), loop=True, detection=DetectionSettings(stride=stride)
        )
    )
    tile = window.wall.tiles_of(str(camera.id))[0]
    analysed: dict[float, bool] = {}
    window.bridge.frame_ready.connect(lambda _cid, r: analysed.__setitem__(r.frame.pts, r.analysed))
    drawn: Drawn = {}
    on_painted = record_outlines(tile, drawn)
    end_pts = (FRAMES + 40) / sq.FPS  # past the loop boundary
    qtbot.waitUntil(lambda: max(drawn, default=0) > end_pts, timeout=30_000)
    tile.painted.disconnect(on_painted)

    # Frames before the second analysed frame after the square appears (start, loop) or
    # reverses are excused from the prediction check.
    all_pts = sorted(analysed)
    done_pts = [p for p in all_pts if analysed[p]]
    events = []
    for loop_start in (0, FRAMES):
        events += [loop_start] + [loop_start + r for r in sq.reversals(xs)]
    excused: set[int] = set()
    unconfirmed: set[int] = set()  # a new track gets its id on its second sighting
    for event in events:
        later = [round(p * sq.FPS) for p in done_pts if round(p * sq.FPS) >= event][:2]
        window = set(range(event, later[1] if len(later) == 2 else 10**6))
        excused |= window
        if event % FRAMES == 0:
            unconfirmed |= window

    failures = judge(drawn, xs, FRAMES, unconfirmed, excused)
    assert not failures, failures
    shown = [p for p in drawn if p <= end_pts]
    expected = round((max(shown) - min(shown)) * sq.FPS) + 1
    assert len(shown) >= 0.95 * expected, f"{len(shown)} of {expected} frames painted"
    assert any(not a for a, _, n in drawn.values() if n) if stride > 1 else True


# --- YOLOX-Nano on a real car: what is drawn on an analysed frame is what the detector said ---

RECORDED: dict[int, Detections] = {}  # crc32 of a frame's pixels -> the detector's raw output


class RecordingDetector:
    """The bundled ONNX detector, remembering its output per frame it was given."""

    def __init__(self, inner: Detector) -> None:
        self.inner = inner
        self.class_names = inner.class_names
        self.input_size = inner.input_size

    def detect(self, image: np.ndarray) -> Detections:
        found = self.inner.detect(image)
        RECORDED[zlib.crc32(np.ascontiguousarray(image))] = found
        return found


@register_detector("recording-onnx")
def _recording_onnx(config: DetectorConfig) -> RecordingDetector:
    return RecordingDetector(create_detector(config.model_copy(update={"type": "onnx"})))


def test_drawn_car_box_is_the_detectors_box_for_that_frame(make_console, qtbot, tmp_path):
    RECORDED.clear()
    xs = car.car_track()
    clip = car.write_clip(tmp_path / "car.mp4", xs)
    window = make_console(demo=False, detector={"type": "recording-onnx"})
    window.set_layout(1)
    window.resize(1100, 560)
    camera = window.add_camera(
        Camera(
            name="car",
            source=str(clip),
            loop=True,
            detection=DetectionSettings(input_size=320, stride=2),
        )
    )
    tile = window.wall.tiles_of(str(camera.id))[0]
    checked: dict[float, float | None] = {}  # analysed pts -> IoU (None: car not tracked yet)
    grabbing = False

    def on_painted(pts: float) -> None:
        nonlocal grabbing
        result = tile.shown_result
        if grabbing or pts in checked or not result.analysed:
            return
        grabbing = True
        rect = tile.picture_rect()
        rgb = pixels(tile.grab().toImage())
        grabbing = False
        truth = car.true_box(xs, result.frame.index % car.FRAMES)
        det = result.detections
        overlap = box_iou(truth[None], det.xyxy)[0] if len(det) else np.zeros(0)
        if not len(det) or overlap.max() < 0.5:
            checked[pts] = None  # a tentative track is not drawn yet
            return
        row = int(np.argmax(overlap))
        raw = RECORDED[zlib.crc32(np.ascontiguousarray(result.frame.image))]
        detector_box = raw.xyxy[int(np.argmax(box_iou(det.xyxy[row][None], raw.xyxy)[0]))]
        scale = rect.width() / result.frame.width
        origin = np.array([rect.x(), rect.y(), rect.x(), rect.y()])
        region = detector_box * scale + origin + np.array([-20, -20, 20, 20])
        colour = track_colour(int(det.track_id[row])).getRgb()[:3]
        side = min(detector_box[2] - detector_box[0], detector_box[3] - detector_box[1])
        found = find_outline(rgb, colour, side * scale, region)
        outline = None if found is None else (found - origin) / scale
        iou = 0.0 if outline is None else float(box_iou(outline[None], detector_box[None])[0, 0])
        checked[pts] = iou

    tile.painted.connect(on_painted)
    end_pts = (car.FRAMES + 30) / car.FPS  # well into the second pass of the loop
    qtbot.waitUntil(lambda: max(checked, default=0) > end_pts, timeout=40_000)
    tile.painted.disconnect(on_painted)

    drawn = {pts: iou for pts, iou in checked.items() if iou is not None}
    assert len(drawn) >= 0.8 * len(checked) and len(drawn) >= 15, (len(drawn), len(checked))
    assert any(pts * car.FPS > car.FRAMES for pts in drawn), "nothing checked after the loop"
    bad = {round(pts * car.FPS): round(iou, 3) for pts, iou in drawn.items() if iou < 0.9}
    assert not bad, f"analysed frames whose drawn box is not the detector's: {bad}"
