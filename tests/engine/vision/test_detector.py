"""The bundled YOLOX-Nano and ultralytics-layout exports decode to the right boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from engine.domain import box_iou
from engine.vision import DetectorConfig, DetectorError, create_detector, load_detector
from tests.helpers import STREET, read_frame

# Frame 120 of the street clip, counted by eye: a silver car in the foreground, a white SUV at
# the junction, a car cut by the right edge, and five or six cars queued under the trees.
FOREGROUND_CAR = [261, 139, 335, 204]
RIGHT_EDGE_CAR = [598, 148, 639, 189]
WHITE_SUV = [198, 103, 236, 134]


@pytest.fixture(scope="module")
def street_frame() -> np.ndarray:
    return read_frame(STREET, 120)


@pytest.mark.parametrize(("input_size", "min_cars"), [(320, 6), (416, 7)])
def test_yolox_finds_the_cars_counted_by_eye(street_frame, input_size, min_cars):
    detector = load_detector(input_size=input_size, score_threshold=0.3)
    found = detector.detect(street_frame)
    names = [detector.class_names[int(c)] for c in found.class_id]
    assert set(names) <= {"car", "truck", "bus"}, names
    assert names.count("car") >= min_cars
    for truth in (FOREGROUND_CAR, RIGHT_EDGE_CAR, WHITE_SUV):
        assert box_iou(np.array([truth]), found.xyxy).max() >= 0.7, truth


def test_class_filter_and_unknown_class(street_frame):
    only_trucks = load_detector(classes=["truck"]).detect(street_frame)
    assert len(only_trucks) <= 1
    with pytest.raises(DetectorError, match="not in the model"):
        load_detector(classes=["spaceship"])


def _ultralytics_like_model(path: Path, size: int, rows: np.ndarray, names: dict[int, str]) -> None:
    """A model with the ultralytics export layout [1, 4 + nc, N] whose output is `rows`
    (cx, cy, w, h in input pixels, then class scores), whatever the image."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])
    output = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(rows.shape))
    const = helper.make_tensor("rows", TensorProto.FLOAT, rows.shape, rows.flatten().tolist())
    nodes = [
        helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["rows", "nothing"], ["output0"]),
    ]
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    graph = helper.make_graph(nodes, "ultra", [image], [output], initializer=[const, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for key, value in {"names": repr(names), "task": "detect", "author": "Ultralytics"}.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))


def test_ultralytics_layout_decodes_to_source_pixels(tmp_path):
    size = 320
    # One car centred at (160, 160) in the 320 input, 64x32; one weak bus that must be dropped.
    rows = np.zeros((1, 4 + 3, 3), dtype=np.float32)
    rows[0, :4, 0] = [160, 160, 64, 32]
    rows[0, 4:, 0] = [0.0, 0.9, 0.0]
    rows[0, :4, 1] = [50, 50, 10, 10]
    rows[0, 4:, 1] = [0.0, 0.0, 0.05]
    path = tmp_path / "ultra.onnx"
    _ultralytics_like_model(path, size, rows, {0: "person", 1: "car", 2: "bus"})
    detector = create_detector(DetectorConfig(model=path, input_size=size, score_threshold=0.3))
    # A 640x352 frame letterboxed into 320: scale 0.5, centred with 72 px padding at the top.
    found = detector.detect(np.zeros((352, 640, 3), dtype=np.uint8))
    assert detector.class_names[1] == "car"
    assert len(found) == 1 and detector.class_names[int(found.class_id[0])] == "car"
    pad = (320 - 176) / 2
    expected = [(160 - 32) * 2, (160 - 16 - pad) * 2, (160 + 32) * 2, (160 + 16 - pad) * 2]
    np.testing.assert_allclose(found.xyxy[0], expected, atol=1.0)
    assert found.score[0] == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not an onnx model", "cannot load model"), (None, "not found")],
)
def test_bad_model_gives_a_clear_error(tmp_path, content, message):
    path = tmp_path / "broken.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DetectorError, match=message):
        load_detector(model=path)
