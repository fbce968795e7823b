"""Detection + tracking throughput: this engine beside raw onnxruntime and ultralytics.

Three sides on the same ONNX model, the same decoded frames, thresholds and thread count:
  raw          onnxruntime `session.run` on pre-letterboxed tensors (the limit: no pre/post)
  engine       CameraPipeline: letterbox -> ONNX -> decode/NMS -> ByteTrack (gate off, stride 1)
  ultralytics  YOLO(onnx).track(..., tracker="bytetrack.yaml")
interleaved `--repeats` times; medians reported. Needs the train extra (ultralytics), so run it
with .venv-train:

    .venv-train/bin/python bench/detect.py --frames 300 --repeats 3

The last line is JSON: engine_fps, ultralytics_fps, raw_fps, loadavg (plus ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import onnxruntime as ort  # noqa: E402

from engine.domain import Frame  # noqa: E402
from engine.pipeline import CameraPipeline  # noqa: E402
from engine.sources.av_source import AvVideoSource  # noqa: E402
from engine.vision import DetectorConfig, create_detector  # noqa: E402
from engine.vision.tracker import ByteTracker, TrackerSettings  # noqa: E402

SCORE = 0.1  # ByteTrack's low threshold: both trackers see the same low-score boxes
NMS_IOU = 0.45


def decode(clip: Path, count: int) -> list[Frame]:
    source = AvVideoSource(clip)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == count:
            break
    source.close()
    return frames


def run_raw(model: Path, frames: list[Frame], size: int, threads: int) -> float:
    detector = create_detector(DetectorConfig(model=model, input_size=size, threads=threads))
    tensors = [detector.preprocess(f.image)[0] for f in frames]  # letterboxing is not timed
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    session.run(None, {name: tensors[0]})
    started = time.perf_counter()
    for tensor in tensors:
        session.run(None, {name: tensor})
    return len(tensors) / (time.perf_counter() - started)


def run_engine(model: Path, frames: list[Frame], size: int, threads: int) -> float:
    config = DetectorConfig(
        model=model,
        input_size=size,
        score_threshold=SCORE,
        nms_iou=NMS_IOU,
        threads=threads,
        spin_threads=True,  # the same session options as the raw side and ultralytics
    )
    pipeline = CameraPipeline(create_detector(config), ByteTracker(TrackerSettings()))
    pipeline.process(frames[0])
    pipeline.reset()
    started = time.perf_counter()
    for frame in frames:
        pipeline.process(frame)
    return len(frames) / (time.perf_counter() - started)


def run_ultralytics(model: Path, frames: list[Frame], size: int) -> float:
    from ultralytics import YOLO

    yolo = YOLO(str(model), task="detect")
    track = dict(
        persist=True, tracker="bytetrack.yaml", imgsz=size, conf=SCORE, iou=NMS_IOU, verbose=False
    )
    yolo.track(frames[0].image, **track)
    yolo.predictor.trackers[0].reset()
    started = time.perf_counter()
    for frame in frames:
        yolo.track(frame.image, **track)
    return len(frames) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", type=Path, default=ROOT / "resources/models/yolo11n_vehicles_320.onnx"
    )
    parser.add_argument(
        "--clip", type=Path, default=ROOT / "resources/clips/traffic_street_fixedcam.mp4"
    )
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    frames = decode(args.clip, args.frames)
    print(
        f"{len(frames)} frames of {args.clip.name}, model {args.model.name} at {args.size}, "
        f"{args.threads} threads, onnxruntime {ort.__version__}",
        file=sys.stderr,
    )
    results: dict[str, list[float]] = {"raw": [], "engine": [], "ultralytics": []}
    for repeat in range(args.repeats):
        results["raw"].append(run_raw(args.model, frames, args.size, args.threads))
        results["engine"].append(run_engine(args.model, frames, args.size, args.threads))
        results["ultralytics"].append(run_ultralytics(args.model, frames, args.size))
        print(
            f"repeat {repeat + 1}: "
            + ", ".join(f"{k} {v[-1]:.1f} fps" for k, v in results.items()),
            file=sys.stderr,
        )
    medians = {k: statistics.median(v) for k, v in results.items()}
    summary = {
        "engine_fps": round(medians["engine"], 1),
        "ultralytics_fps": round(medians["ultralytics"], 1),
        "raw_fps": round(medians["raw"], 1),
        "engine_vs_ultralytics": round(medians["engine"] / medians["ultralytics"], 2),
        "engine_vs_raw": round(medians["engine"] / medians["raw"], 2),
        "frames": len(frames),
        "repeats": args.repeats,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
