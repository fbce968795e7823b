"""The project's own YOLO11n vehicle model (an ultralytics export) loads through the registry,
keeps its COCO class names, and finds the cars of a street it never saw in training."""

from __future__ import annotations

import numpy as np

from engine.domain import box_iou
from engine.resources import resource_path
from engine.vision import load_detector
from tests.helpers import STREET, read_frame

FOREGROUND_CAR = [261, 139, 335, 204]  # frame 120, boxed by hand (see test_detector.py)


def test_own_model_is_recognised_with_its_class_names():
    detector = load_detector(model=resource_path("models", "yolo11n_vehicles_320.onnx"))
    assert detector.input_size == 320  # the export's fixed input
    assert list(detector.class_names.values()) == [
        "person",
        "bicycle",
        "car",
        "motorcycle",
        "bus",
        "truck",
    ]


def test_own_model_finds_the_foreground_car():
    detector = load_detector(model=resource_path("models", "yolo11n_vehicles_320.onnx"))
    found = detector.detect(read_frame(STREET, 120))
    cars = found[np.isin(found.class_id, [2, 5])]  # car or truck
    assert box_iou(np.array([FOREGROUND_CAR]), cars.xyxy).max() >= 0.7
