"""`sentinel-engine alpr`: licence plates in images and videos, one JSON object per plate.

Plate text is masked ("4X•••38") unless `--show-plates` is given (engine.cli.plate_access)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2

from engine.alpr.normalize import REGIONS
from engine.alpr.reader import PlateRead, PlateReader, PlateReaderSettings
from engine.alpr.voting import PlateTrackReader, PlateTrackSettings, TrackPlate
from engine.cli.plate_access import add_plate_arguments, open_plate_text
from engine.pipeline import CameraPipeline
from engine.sources.av_source import AvVideoSource
from engine.vision import Detector, load_detector
from engine.vision.tracker import ByteTracker, TrackerSettings

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VEHICLES = ["car", "motorcycle", "bus", "truck"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("alpr", help="read licence plates in images and videos")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image or video files")
    parser.add_argument("--region", default="auto", choices=REGIONS, help="plate format")
    parser.add_argument("--frames", type=int, help="only the first N frames of each video")
    parser.add_argument("--jsonl", action="store_true", help="one JSON object per plate")
    add_plate_arguments(parser, role_required=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    # Audited (or refused) before any plate is read, so nothing is printed unaccounted for.
    plate_text = open_plate_text(args, "view.plate", "alpr:" + ",".join(args.paths))
    reader = PlateReader(settings=PlateReaderSettings(region=args.region))
    detector = load_detector(classes=VEHICLES)
    for path, source in zip(paths, args.paths, strict=True):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            records = _read_image(path, source, reader, detector)
        else:
            records = _read_video(path, source, reader, detector, args.frames)
        for record in records:
            record["text"] = plate_text.shown(record["text"])
            if "raw" in record:
                record["raw"] = plate_text.shown(record["raw"])
            _emit(record, args.jsonl)
    return 0


def _emit(record: dict[str, Any], jsonl: bool) -> None:
    if jsonl:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        where = f" track {record['track_id']}" if "track_id" in record else ""
        sys.stdout.write(
            f"{record['source']}{where}: {record['text']} ({record['confidence']:.2f})\n"
        )
    sys.stdout.flush()


def _record(source: str, read: PlateRead, confidence: float) -> dict[str, Any]:
    return {
        "source": source,
        "text": read.text,
        "raw": read.raw,
        "confidence": round(confidence, 4),
        "box": [round(v, 1) for v in read.box],
    }


def _read_image(
    path: Path, source: str, reader: PlateReader, detector: Detector
) -> list[dict[str, Any]]:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{source}: not a readable image")
    vehicles = detector.detect(image)
    # A still photo with no whole vehicle in it (a close-up, a plate crop): search all of it.
    boxes = [tuple(float(v) for v in box) for box in vehicles.xyxy] or [None]
    reads = [r for r in reader.read_boxes(image, boxes) if r is not None]
    unique: dict[str, PlateRead] = {}
    for read in reads:  # overlapping vehicle boxes can find the same plate twice
        if read.text not in unique or read.score > unique[read.text].score:
            unique[read.text] = read
    return [_record(source, r, r.confidence) for r in unique.values()]


def _read_video(
    path: Path, source: str, reader: PlateReader, detector: Detector, limit: int | None
) -> list[dict[str, Any]]:
    vehicle_ids = frozenset(cid for cid, name in detector.class_names.items() if name in VEHICLES)
    tracks = PlateTrackReader(reader, PlateTrackSettings(vehicle_classes=vehicle_ids))
    pipeline = CameraPipeline(detector, ByteTracker(TrackerSettings()))
    video = AvVideoSource(str(path))
    finished: list[TrackPlate] = []
    try:
        for frame in video.frames():
            if limit is not None and frame.index >= limit:
                break
            result = pipeline.process(frame)
            if result.frame.discontinuity:
                finished.extend(tracks.close_all())
            tracks.update(frame, result.detections)
            finished.extend(tracks.expire(frame.pts))
    finally:
        video.close()
    finished.extend(tracks.close_all())
    records = []
    for done in finished:
        record = _record(source, done.plate.best, done.plate.confidence)
        record["text"] = done.plate.text
        record["track_id"] = done.track_id
        record["frames"] = list(done.frames)
        records.append(record)
    return records
