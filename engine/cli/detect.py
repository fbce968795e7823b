"""`sentinel-engine detect`: every vehicle of every frame with a stable track id, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import DetectorConfig, create_detector
from engine.vision.motion import MotionGate, MotionGateSettings
from engine.vision.tracker import ByteTracker, TrackerSettings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("detect", help="detect and track objects in a video")
    parser.add_argument("video", help="video file or rtsp:// URL")
    parser.add_argument("--model", type=Path, help="ONNX model (default: bundled YOLOX-Nano)")
    parser.add_argument("--input-size", type=int, default=416, help="model input size, px")
    parser.add_argument("--frames", type=int, help="only the first N decoded frames")
    parser.add_argument("--stride", type=int, default=1, help="detect on every K-th frame")
    parser.add_argument("--motion-gate", action="store_true", help="skip detection on still scenes")
    parser.add_argument("--score", type=float, default=0.3, help="minimum detection score")
    parser.add_argument("--classes", help="comma-separated class names to keep")
    parser.add_argument("--jsonl", action="store_true", help="one JSON object per frame")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    detector = create_detector(
        DetectorConfig(
            model=args.model,
            input_size=args.input_size,
            score_threshold=args.score,
            classes=args.classes.split(",") if args.classes else None,
            spin_threads=True,  # one stream: spinning threads are faster
        )
    )
    pipeline = CameraPipeline(
        detector,
        ByteTracker(TrackerSettings()),
        stride=args.stride,
        motion_gate=MotionGate(MotionGateSettings()) if args.motion_gate else None,
    )
    source = AvVideoSource(args.video)
    names = detector.class_names
    out = sys.stdout
    try:
        for frame in source.frames():
            if args.frames is not None and frame.index >= args.frames:
                break
            result = pipeline.process(frame)
            record = {
                "frame": frame.index,
                "pts": round(frame.pts, 6),
                "analysed": result.analysed,
                "detections": result.detections.to_records(names),
            }
            if args.jsonl:
                out.write(json.dumps(record) + "\n")
            else:
                out.write(
                    f"frame {frame.index} pts {frame.pts:.3f}: {len(result.detections)} objects\n"
                )
    finally:
        source.close()
    return 0
