"""Build a YOLO-format dataset from YOLOX-Nano's detections on frames of the bundled clips.

The teacher is the engine's own detector (`engine.vision.load_detector`, bundled YOLOX-Nano,
score >= 0.3) run at two input sizes, 416 and 832 px, its boxes merged by class-agnostic NMS: at
416 alone it misses most cars under 25 px (2 of 29 vehicles on the motorway clip were small, 49
of 76 at 832), and every car a label file leaves out teaches the student that a small car is
background. Its COCO classes person, bicycle, car, motorcycle, bus and truck are kept
and renumbered 0..5; everything else it finds is dropped. Both traffic_street_fixedcam clips are
never used: they are the evaluation scene (see engine.training.evaluate).

Each clip is split by time: the last `val_fraction` of its frames go to val, with a gap of
`gap_seconds` before them so that near-identical neighbouring frames do not leak across.

    .venv/bin/python -m engine.training.distill_dataset            # -> datasets/sentinel_vehicles

Writes images/{train,val}/*.jpg, labels/{train,val}/*.txt, data.yaml and manifest.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.domain import Detections, box_iou
from engine.training.clip_frames import sampled_frames
from engine.vision.nms import nms_per_class

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "datasets" / "sentinel_vehicles"
DEFAULT_CLIP_DIRS = (
    REPO_ROOT / "resources" / "clips",
    REPO_ROOT.parent / "shared" / "data" / "video",
)

# COCO id -> training id. The names are the COCO names, so the exported model's metadata
# carries the same class names the engine already uses for YOLOX-Nano.
COCO_TO_TRAIN: dict[int, int] = {0: 0, 1: 1, 2: 2, 3: 3, 5: 4, 7: 5}
TRAIN_NAMES: list[str] = ["person", "bicycle", "car", "motorcycle", "bus", "truck"]

# The evaluation scene: no frame of these may ever enter the dataset.
HELD_OUT_PREFIX = "traffic_street_fixedcam"

MIN_BOX_PX = 2.0  # boxes thinner than this after clipping are dropped


@dataclass(frozen=True)
class ClipPlan:
    name: str
    step: int  # take every `step`-th frame
    role: str = "positive"  # "negative": background images (the teacher sees no vehicles)


# ~600 images: every 2nd frame of the fixed cameras, every frame of the moving dashcam (its
# neighbouring frames differ most). The top-down car park is left out: the teacher finds none of
# its parked cars at any size, so its frames would be labelled "no car" while full of cars.
DEFAULT_PLAN: tuple[ClipPlan, ...] = (
    ClipPlan("traffic_motorway_overpass.mp4", 2),
    ClipPlan("traffic_multilane_topdown.mp4", 2),
    ClipPlan("dashcam_highway_udacity.mp4", 1),
)
# `--dense`: every frame of every clip (~2x the images; neighbouring frames of a fixed camera
# differ only where traffic moves, so this adds vehicle poses more than scenes).
DENSE_PLAN: tuple[ClipPlan, ...] = tuple(ClipPlan(plan.name, 1) for plan in DEFAULT_PLAN)
TEACHER_SIZES: tuple[int, ...] = (416, 832)
MERGE_IOU = 0.55  # one vehicle seen at both sizes (maybe as car and truck) is one label


def remap_detections(dets: Detections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the six training classes: (train class ids int, xyxy float32 (N,4), scores)."""
    if len(dets) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    mapped = np.array([COCO_TO_TRAIN.get(int(c), -1) for c in dets.class_id], dtype=np.int64)
    keep = mapped >= 0
    return mapped[keep], dets.xyxy[keep].astype(np.float32), dets.score[keep].astype(np.float32)


def merge_views(
    views: list[Detections], iou: float = MERGE_IOU, prefer_first: bool = False
) -> Detections:
    """One set of boxes from the teacher's runs at several sizes.

    By default class-agnostic NMS: a vehicle found twice keeps its best-scoring box and class.
    With `prefer_first`, every box of the first view is kept as it is and the other views only
    add the vehicles it missed: the student then learns the first view's box placement, which
    is what the acceptance compares it with (YOLOX-Nano at 416), while still being told about
    the small cars only the larger views find.
    """
    if prefer_first:
        kept = views[0] if views else Detections.empty()
        for view in views[1:]:
            if len(view) and len(kept):
                view = view[box_iou(view.xyxy, kept.xyxy).max(axis=1) < iou]
            if len(view):
                kept = _concat([kept, view])
        return kept
    views = [v for v in views if len(v)]
    if not views:
        return Detections.empty()
    merged = views[0] if len(views) == 1 else _concat(views)
    keep = nms_per_class(merged.xyxy, merged.score, np.zeros(len(merged), np.int32), iou)
    return merged[keep]


def _concat(views: list[Detections]) -> Detections:
    return Detections(
        xyxy=np.concatenate([v.xyxy for v in views]),
        score=np.concatenate([v.score for v in views]),
        class_id=np.concatenate([v.class_id for v in views]),
    )


def yolo_label_lines(dets: Detections, width: int, height: int) -> list[str]:
    """YOLO label lines `cls cx cy w h` (normalised to [0, 1]) for one image.

    Boxes are clipped to the image first; boxes that end up thinner than MIN_BOX_PX are dropped.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"bad image size {width}x{height}")
    classes, xyxy, _ = remap_detections(dets)
    lines = []
    for cls, (x1, y1, x2, y2) in zip(classes, xyxy.astype(np.float64), strict=True):
        x1, x2 = np.clip([x1, x2], 0.0, width)
        y1, y2 = np.clip([y1, y2], 0.0, height)
        w, h = x2 - x1, y2 - y1
        if w < MIN_BOX_PX or h < MIN_BOX_PX:
            continue
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        lines.append(f"{int(cls)} {cx:.6f} {cy:.6f} {w / width:.6f} {h / height:.6f}")
    return lines


def split_for(index: int, frame_count: int, fps: float, val_fraction: float, gap_seconds: float):
    """'train', 'val' or None (in the gap) for frame `index` of a clip, split by time."""
    val_start = int(round(frame_count * (1.0 - val_fraction)))
    gap = int(round(gap_seconds * fps))
    if index >= val_start:
        return "val"
    if index >= val_start - gap:
        return None
    return "train"


def data_yaml_text(root: Path) -> str:
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(TRAIN_NAMES))
    return (
        f"# Distilled from YOLOX-Nano by engine/training/distill_dataset.py\n"
        f"path: {root.resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}\n"
    )


def find_clip(name: str, clip_dirs: tuple[Path, ...]) -> Path:
    if name.startswith(HELD_OUT_PREFIX):
        raise ValueError(f"{name} is the held-out evaluation scene and may not be trained on")
    for directory in clip_dirs:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"clip {name} not found in {', '.join(map(str, clip_dirs))}")


def _clean(out: Path) -> None:
    for sub in ("images", "labels"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    for leftover in [out / "data.yaml", out / "manifest.json", *out.glob("*.cache")]:
        leftover.unlink(missing_ok=True)


def build(
    out: Path = DEFAULT_OUT,
    plan: tuple[ClipPlan, ...] = DEFAULT_PLAN,
    clip_dirs: tuple[Path, ...] = DEFAULT_CLIP_DIRS,
    teacher_sizes: tuple[int, ...] = TEACHER_SIZES,
    prefer_first: bool = False,
    score_threshold: float = 0.3,
    val_fraction: float = 0.15,
    gap_seconds: float = 0.5,
    jpeg_quality: int = 95,
) -> dict:
    import cv2

    from engine.vision import load_detector

    teachers = [
        load_detector(model=None, input_size=size, score_threshold=score_threshold)
        for size in teacher_sizes
    ]
    for coco_id, train_id in COCO_TO_TRAIN.items():  # the bundled names must agree with ours
        if teachers[0].class_names.get(coco_id) != TRAIN_NAMES[train_id]:
            name = teachers[0].class_names.get(coco_id)
            raise RuntimeError(f"teacher class {coco_id} is {name!r}")
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    for split in ("train", "val"):
        (out / "images" / split).mkdir(parents=True)
        (out / "labels" / split).mkdir(parents=True)

    manifest: dict = {
        "teacher": {
            "model": "bundled YOLOX-Nano",
            "input_sizes": list(teacher_sizes),
            "merge_iou": MERGE_IOU,
            "merge": "first view's boxes, others add" if prefer_first else "best score",
            "score_threshold": score_threshold,
        },
        "names": TRAIN_NAMES,
        "coco_ids": {TRAIN_NAMES[t]: c for c, t in COCO_TO_TRAIN.items()},
        "val_fraction": val_fraction,
        "gap_seconds": gap_seconds,
        "clips": [],
        "images": {"train": 0, "val": 0},
        "boxes": {"train": {}, "val": {}},
    }
    totals: dict[str, Counter] = {"train": Counter(), "val": Counter()}
    started = time.monotonic()
    for item in plan:
        path = find_clip(item.name, clip_dirs)
        capture = cv2.VideoCapture(str(path))
        frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        stem = Path(item.name).stem
        clip_info = {
            **asdict(item),
            "path": str(path),
            "frames": frame_count,
            "fps": fps,
            "images": {"train": 0, "val": 0},
            "empty_images": 0,
        }
        taken, t0 = 0, time.monotonic()
        for index, frame in sampled_frames(capture, lambda i, step=item.step: i % step == 0):
            split = split_for(index, frame_count, fps, val_fraction, gap_seconds)
            if split is None:
                continue
            height, width = frame.shape[:2]
            labels = merge_views(
                [teacher.detect(frame) for teacher in teachers], prefer_first=prefer_first
            )
            lines = yolo_label_lines(labels, width, height)
            name = f"{stem}_{index:05d}"
            cv2.imwrite(
                str(out / "images" / split / f"{name}.jpg"),
                frame,
                [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality],
            )
            (out / "labels" / split / f"{name}.txt").write_text(
                "\n".join(lines) + ("\n" if lines else "")
            )
            totals[split].update(TRAIN_NAMES[int(line.split()[0])] for line in lines)
            clip_info["images"][split] += 1
            clip_info["empty_images"] += not lines
            taken += 1
            if taken % 50 == 0:
                rate = taken / (time.monotonic() - t0)
                print(
                    f"  {stem}: frame {index}/{frame_count}, {taken} images, {rate:.1f} img/s",
                    flush=True,
                )
        capture.release()
        print(
            f"{stem}: {clip_info['images']} images ({clip_info['empty_images']} without boxes)",
            flush=True,
        )
        manifest["clips"].append(clip_info)
        for split in ("train", "val"):
            manifest["images"][split] += clip_info["images"][split]

    manifest["boxes"] = {s: dict(sorted(c.items())) for s, c in totals.items()}
    manifest["seconds"] = round(time.monotonic() - started, 1)
    (out / "data.yaml").write_text(data_yaml_text(out))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--clip-dir",
        type=Path,
        action="append",
        help="where to look for clips (repeatable); default resources/clips, "
        "then ../shared/data/video",
    )
    parser.add_argument("--val-fraction", type=float, default=0.15)
    parser.add_argument("--gap-seconds", type=float, default=0.5)
    parser.add_argument("--dense", action="store_true", help="every frame of every clip")
    parser.add_argument(
        "--teacher-sizes",
        type=lambda text: tuple(int(size) for size in text.split(",")),
        default=TEACHER_SIZES,
        help="YOLOX-Nano input sizes whose boxes are merged, e.g. 416,640,832 "
        f"(default {','.join(map(str, TEACHER_SIZES))})",
    )
    parser.add_argument(
        "--prefer-first",
        action="store_true",
        help="keep every box of the first teacher size; the others only add missed vehicles "
        "(default: a vehicle seen at several sizes keeps its best-scoring box)",
    )
    args = parser.parse_args(argv)
    clip_dirs = tuple(args.clip_dir) if args.clip_dir else DEFAULT_CLIP_DIRS
    manifest = build(
        args.out,
        plan=DENSE_PLAN if args.dense else DEFAULT_PLAN,
        clip_dirs=clip_dirs,
        val_fraction=args.val_fraction,
        gap_seconds=args.gap_seconds,
        teacher_sizes=args.teacher_sizes,
        prefer_first=args.prefer_first,
    )
    print(
        f"dataset {args.out}: images {manifest['images']}, boxes {manifest['boxes']}, "
        f"{manifest['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
