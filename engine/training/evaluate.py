"""Compare the trained model with YOLOX-Nano on a clip it never saw.

Both models run through the engine's own detector API (`engine.vision.load_detector`), so this
measures what the engine would see. On every `step`-th frame of the evaluation clip (default
traffic_street_fixedcam.mp4, which distill_dataset refuses to train on) it takes YOLOX-Nano's
vehicles (car, motorcycle, bus, truck; score >= 0.3) as the reference and counts how many of them
the trained model finds: a one-to-one greedy match by IoU >= 0.5 against the trained model's
vehicles (score >= 0.3), class-agnostic among vehicles. Pass = recall >= 0.70.

    .venv/bin/python -m engine.training.evaluate \
        [--model resources/models/yolo11n_vehicles_320.onnx]

Prints a summary and one JSON line; exits 1 when the model does not pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from engine.domain import Detections, box_iou
from engine.training.clip_frames import sampled_frames

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO_ROOT / "resources" / "models" / "yolo11n_vehicles_320.onnx"
DEFAULT_CLIP = REPO_ROOT / "resources" / "clips" / "traffic_street_fixedcam.mp4"
VEHICLES = ("car", "motorcycle", "bus", "truck")
PASS_RECALL = 0.70


def vehicle_boxes(dets: Detections, class_names: dict[int, str], min_score: float) -> np.ndarray:
    """xyxy of the vehicle rows scoring at least `min_score` (class looked up by name)."""
    if len(dets) == 0:
        return np.zeros((0, 4), np.float32)
    keep = np.array([class_names.get(int(c)) in VEHICLES for c in dets.class_id], dtype=bool) & (
        dets.score >= min_score
    )
    return dets.xyxy[keep]


def greedy_match(reference: np.ndarray, candidate: np.ndarray, iou_threshold: float) -> int:
    """How many reference boxes get a distinct candidate box with IoU >= threshold (greedy,
    highest IoU first, each box used once)."""
    if len(reference) == 0 or len(candidate) == 0:
        return 0
    iou = box_iou(reference, candidate)
    pairs = np.argwhere(iou >= iou_threshold)
    order = np.argsort(-iou[pairs[:, 0], pairs[:, 1]], kind="stable")
    used_ref: set[int] = set()
    used_cand: set[int] = set()
    for r, c in pairs[order]:
        if r not in used_ref and c not in used_cand:
            used_ref.add(int(r))
            used_cand.add(int(c))
    return len(used_ref)


def evaluate(
    model: Path = DEFAULT_MODEL,
    clip: Path = DEFAULT_CLIP,
    step: int = 10,
    offset: int = 0,
    input_size: int = 320,
    min_score: float = 0.3,
    iou_threshold: float = 0.5,
    reference_size: int = 416,
) -> dict:
    import cv2

    from engine.vision import load_detector

    if not Path(model).is_file():
        raise FileNotFoundError(f"model not found: {model}")
    teacher = load_detector(model=None, input_size=reference_size, score_threshold=min_score)
    student = load_detector(model=model, input_size=input_size, score_threshold=min_score)
    capture = cv2.VideoCapture(str(clip))
    if not capture.isOpened():
        raise FileNotFoundError(f"cannot open clip {clip}")
    frames = reference_total = matched = student_total = 0
    teacher_ms: list[float] = []
    student_ms: list[float] = []
    for _, frame in sampled_frames(capture, lambda i: i >= offset and (i - offset) % step == 0):
        t0 = time.perf_counter()
        reference = vehicle_boxes(teacher.detect(frame), teacher.class_names, min_score)
        t1 = time.perf_counter()
        candidate = vehicle_boxes(student.detect(frame), student.class_names, min_score)
        t2 = time.perf_counter()
        teacher_ms.append((t1 - t0) * 1e3)
        student_ms.append((t2 - t1) * 1e3)
        frames += 1
        reference_total += len(reference)
        student_total += len(candidate)
        matched += greedy_match(reference, candidate, iou_threshold)
    capture.release()
    recall = matched / reference_total if reference_total else 0.0
    return {
        "model": str(model),
        "clip": Path(clip).name,
        "frames": frames,
        "step": step,
        "yolox_input_size": reference_size,
        "yolox_vehicles": reference_total,
        "model_vehicles": student_total,
        "matched": matched,
        "recall_vs_yolox": round(recall, 4),
        "unmatched_model_vehicles": student_total - matched,
        "iou": iou_threshold,
        "min_score": min_score,
        "yolox_ms_median": round(float(np.median(teacher_ms)), 1) if teacher_ms else None,
        "model_ms_median": round(float(np.median(student_ms)), 1) if student_ms else None,
        "pass_threshold": PASS_RECALL,
        "passed": recall >= PASS_RECALL,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--step", type=int, default=10, help="every n-th frame")
    parser.add_argument("--offset", type=int, default=0, help="first frame used")
    parser.add_argument("--input-size", type=int, default=320)
    parser.add_argument(
        "--reference-size",
        type=int,
        default=416,
        help="YOLOX-Nano's input size: 416 (its default, the acceptance) or 320 (the demo's)",
    )
    args = parser.parse_args(argv)
    result = evaluate(
        args.model,
        args.clip,
        args.step,
        args.offset,
        args.input_size,
        reference_size=args.reference_size,
    )
    print(
        f"{result['clip']}: {result['frames']} frames, YOLOX-Nano at {args.reference_size} found "
        f"{result['yolox_vehicles']} "
        f"vehicles, the model matched {result['matched']} "
        f"({100 * result['recall_vs_yolox']:.1f}%, pass >= {100 * PASS_RECALL:.0f}%) and had "
        f"{result['unmatched_model_vehicles']} vehicles YOLOX-Nano did not; "
        f"median ms/frame YOLOX {result['yolox_ms_median']} vs model {result['model_ms_median']}"
        f" -> {'PASS' if result['passed'] else 'FAIL'}"
    )
    print(json.dumps(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
