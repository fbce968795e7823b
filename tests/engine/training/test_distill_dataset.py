"""Dataset distillation and evaluation matching, without torch or a model."""

from __future__ import annotations

import numpy as np
import pytest

from engine.domain import Detections
from engine.training.distill_dataset import (
    COCO_TO_TRAIN,
    TRAIN_NAMES,
    data_yaml_text,
    find_clip,
    remap_detections,
    split_for,
    yolo_label_lines,
)
from engine.training.evaluate import greedy_match, vehicle_boxes

pytestmark = pytest.mark.timeout(30)

W, H = 640, 360


def _dets(rows: list[tuple[float, float, float, float, float, int]]) -> Detections:
    arr = np.array(rows, dtype=np.float64).reshape(-1, 6)
    return Detections(xyxy=arr[:, :4], score=arr[:, 4], class_id=arr[:, 5].astype(int))


def _parse(line: str) -> tuple[int, list[float]]:
    cls, *vals = line.split()
    return int(cls), [float(v) for v in vals]


def test_names_are_the_coco_names_in_training_order() -> None:
    assert TRAIN_NAMES == ["person", "bicycle", "car", "motorcycle", "bus", "truck"]
    assert COCO_TO_TRAIN == {0: 0, 1: 1, 2: 2, 3: 3, 5: 4, 7: 5}


def test_remap_keeps_six_classes_and_drops_the_rest() -> None:
    # COCO: person 0, bicycle 1, car 2, motorcycle 3, airplane 4, bus 5, train 6, truck 7, dog 16
    rows = [(10, 10, 50, 50, 0.9, c) for c in (0, 1, 2, 3, 4, 5, 6, 7, 16)]
    classes, xyxy, scores = remap_detections(_dets(rows))
    assert classes.tolist() == [0, 1, 2, 3, 4, 5]
    assert xyxy.shape == (6, 4)
    assert scores.shape == (6,)


def test_remap_of_nothing() -> None:
    classes, xyxy, _ = remap_detections(Detections.empty())
    assert len(classes) == 0 and xyxy.shape == (0, 4)
    assert yolo_label_lines(Detections.empty(), W, H) == []


def test_label_line_is_normalised_centre_and_size() -> None:
    lines = yolo_label_lines(_dets([(100, 60, 300, 180, 0.8, 7)]), W, H)  # a truck
    assert len(lines) == 1
    cls, (cx, cy, w, h) = _parse(lines[0])
    assert cls == 5  # truck -> 5
    assert cx == pytest.approx(200 / W, abs=1e-6)
    assert cy == pytest.approx(120 / H, abs=1e-6)
    assert w == pytest.approx(200 / W, abs=1e-6)
    assert h == pytest.approx(120 / H, abs=1e-6)


def test_label_lines_are_clipped_to_the_image_and_tiny_boxes_dropped() -> None:
    rows = [
        (-20, -10, 40, 30, 0.9, 2),  # car sticking out top-left
        (600, 300, 700, 400, 0.9, 5),  # bus sticking out bottom-right
        (10, 10, 11, 40, 0.9, 2),  # 1 px wide: dropped
        (639.5, 100, 700, 150, 0.9, 2),  # almost wholly outside: dropped after clipping
        (0, 0, W, H, 0.9, 0),  # whole frame person
        (50, 50, 80, 80, 0.9, 9),  # traffic light: not ours
    ]
    lines = yolo_label_lines(_dets(rows), W, H)
    parsed = [_parse(line) for line in lines]
    assert [c for c, _ in parsed] == [2, 4, 0]
    for _, vals in parsed:
        assert all(0.0 <= v <= 1.0 for v in vals)
        cx, cy, w, h = vals
        assert cx - w / 2 + 1e-6 >= 0.0 and cx + w / 2 <= 1.0 + 1e-6
        assert cy - h / 2 + 1e-6 >= 0.0 and cy + h / 2 <= 1.0 + 1e-6
    _, (cx, cy, w, h) = parsed[0]
    assert (cx, cy, w, h) == pytest.approx((20 / W, 15 / H, 40 / W, 30 / H), abs=1e-6)
    assert parsed[2][1] == pytest.approx([0.5, 0.5, 1.0, 1.0])


def test_bad_image_size_is_refused() -> None:
    with pytest.raises(ValueError):
        yolo_label_lines(_dets([(0, 0, 10, 10, 0.9, 2)]), 0, H)


def test_split_by_time_with_a_gap() -> None:
    splits = [split_for(i, 100, 10.0, val_fraction=0.2, gap_seconds=0.5) for i in range(100)]
    assert splits[:75] == ["train"] * 75
    assert splits[75:80] == [None] * 5
    assert splits[80:] == ["val"] * 20


def test_the_evaluation_scene_can_never_be_a_training_clip(tmp_path) -> None:
    (tmp_path / "traffic_street_fixedcam_short.mp4").write_bytes(b"")
    for name in ("traffic_street_fixedcam.mp4", "traffic_street_fixedcam_short.mp4"):
        with pytest.raises(ValueError):
            find_clip(name, (tmp_path,))


def test_data_yaml_lists_the_names(tmp_path) -> None:
    text = data_yaml_text(tmp_path)
    assert "train: images/train" in text and "val: images/val" in text
    for i, name in enumerate(TRAIN_NAMES):
        assert f"  {i}: {name}\n" in text


def test_evaluation_match_is_one_to_one_and_class_agnostic_among_vehicles() -> None:
    names = {0: "person", 2: "car", 5: "bus", 7: "truck"}
    teacher = _dets(
        [
            (0, 0, 100, 100, 0.9, 2),
            (200, 0, 300, 100, 0.5, 7),
            (0, 200, 50, 250, 0.2, 2),
            (400, 0, 450, 100, 0.9, 0),
        ]
    )
    ref = vehicle_boxes(teacher, names, 0.3)
    assert ref.shape == (2, 4)  # the low-score car and the person are not references
    student = _dets(
        [
            (5, 5, 100, 100, 0.6, 2),
            (2, 2, 100, 100, 0.7, 2),  # two on the first car
            (210, 0, 300, 100, 0.4, 5),
        ]
    )  # a bus where the teacher saw a truck
    cand = vehicle_boxes(student, names, 0.3)
    assert greedy_match(ref, cand, 0.5) == 2
    assert greedy_match(ref, cand[:2], 0.5) == 1  # two boxes on one car count once
    assert greedy_match(ref, np.zeros((0, 4), np.float32), 0.5) == 0
    far = np.array([[0, 0, 100, 40]], np.float32)  # IoU 0.4 with the first car
    assert greedy_match(ref, far, 0.5) == 0


def test_teacher_views_merge_into_one_label_per_vehicle() -> None:
    """The teacher at 416 and 832: a car both see is labelled once (its best box and class);
    a small car only the 832 view finds is added."""
    from engine.training.distill_dataset import merge_views

    at_416 = Detections(xyxy=[[100, 100, 200, 160]], score=[0.6], class_id=[7])  # truck
    at_832 = Detections(
        xyxy=[[102, 101, 199, 161], [400, 50, 418, 62]], score=[0.8, 0.5], class_id=[2, 2]
    )
    merged = merge_views([at_416, at_832])
    assert len(merged) == 2
    order = np.argsort(merged.xyxy[:, 0])
    assert merged.class_id[order].tolist() == [2, 2]
    assert merged.score[order].tolist() == pytest.approx([0.8, 0.5])
    assert len(merge_views([Detections.empty(), Detections.empty()])) == 0


def test_prefer_first_keeps_the_reference_views_boxes() -> None:
    """--prefer-first: a car the 416 view finds keeps the 416 box even when the 832 view scores
    it higher (the acceptance compares with YOLOX-Nano at 416); only the cars 416 misses are added
    from the larger views, each once."""
    from engine.training.distill_dataset import merge_views

    at_416 = Detections(xyxy=[[100, 100, 200, 160]], score=[0.6], class_id=[7])
    at_640 = Detections(xyxy=[[401, 50, 419, 63]], score=[0.4], class_id=[2])
    at_832 = Detections(
        xyxy=[[104, 102, 196, 158], [400, 50, 418, 62]], score=[0.9, 0.5], class_id=[2, 2]
    )
    merged = merge_views([at_416, at_640, at_832], prefer_first=True)
    order = np.argsort(merged.xyxy[:, 0])
    assert merged.xyxy[order].tolist() == [[100, 100, 200, 160], [401, 50, 419, 63]]
    assert merged.class_id[order].tolist() == [7, 2]
    only_large = merge_views([Detections.empty(), at_832], prefer_first=True)
    assert len(only_large) == 2
