"""Plate reading: this engine's PlateReader beside RapidOCR's own default pipeline, same run.

Sets (every one read by both sides):
  photos    the bundled plate photos (tests/data/alpr): the pixabay crop and car (4XXF538), and
            two car photos with no readable plate (false plates only)
  crops     plate_crops_cn 100-199 (never trained on), region `cn`, the province glyph excluded
  standin   US/EU plates in a held-out font and seed on vehicles cut from the bundled clips
            (engine/alpr/training/standin.py), characters 15-40 px high, built here each run
  video     a bundled clip through detection, tracking and PlateTrackReader: CPU ms per track
Metrics: exact and per-character accuracy (photos + crops, as the issue asks), finder recall
(a candidate covers the true registration) and recogniser accuracy given the true box (crops
and stand-in boxes; RapidOCR's recogniser alone, no detection, on the same boxes), separately;
false plates per image (reads that are not the truth); CPU ms (process time, all threads),
median of --repeats video runs. RapidOCR's read of an image is its best text line after the
same normalisation (the engine's normalize()). Accuracy is deterministic: one pass.

    nice -n 19 .venv/bin/python bench/alpr.py

The last line is JSON: exact, rapidocr_exact, per_char, ms_per_vehicle, false_per_image,
rapidocr_ms, standin_exact (with their n and more).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from rapidocr_onnxruntime import RapidOCR  # noqa: E402

from engine.alpr.normalize import normalize  # noqa: E402
from engine.alpr.plate_finder import rectify  # noqa: E402
from engine.alpr.reader import PlateReader, PlateReaderSettings  # noqa: E402
from engine.alpr.recognizer import create_recognizer  # noqa: E402
from engine.alpr.training.standin import standin_scenes  # noqa: E402
from engine.alpr.voting import PlateTrackReader, PlateTrackSettings  # noqa: E402
from engine.pipeline import CameraPipeline  # noqa: E402
from engine.resources import demo_clips  # noqa: E402
from engine.sources.av_source import AvVideoSource  # noqa: E402
from engine.vision import load_detector  # noqa: E402
from engine.vision.tracker import ByteTracker, TrackerSettings  # noqa: E402

DATA = ROOT / "tests/data/alpr"
VEHICLES = ["car", "motorcycle", "bus", "truck"]
PHOTOS = {  # file -> (truth, registration box) ; no truth: no readable plate
    "plate_crop_pixabay.jpg": ("4XXF538", None),
    "car_plate_pixabay.jpg": ("4XXF538", (597, 600, 690, 633)),
    "car_o4n.jpg": (None, None),
    "cars_o4n.jpg": (None, None),
}


def per_char(pred: str, truth: str) -> float:
    """1 - Levenshtein distance / truth length, floored at 0."""
    row = list(range(len(truth) + 1))
    for i, a in enumerate(pred, 1):
        prev, row[0] = row[0], i
        for j, b in enumerate(truth, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (a != b))
    return max(0.0, 1 - row[-1] / max(len(truth), 1))


class RapidSide:
    """RapidOCR's default det+cls+rec pipeline; plates are its lines that fit a format."""

    def __init__(self) -> None:
        self.ocr = RapidOCR()
        self.cpu_s, self.calls = 0.0, 0

    def recognise(self, crop: np.ndarray, region: str) -> str:
        """Its recogniser alone on a crop known to be the plate (no text detection)."""
        result, _ = self.ocr(crop, use_det=False, use_cls=False, use_rec=True)
        fit = normalize(str(result[0][0]), region) if result else None
        return fit.text if fit is not None else ""

    def plates(self, image: np.ndarray, region: str) -> list[tuple[str, float]]:
        start = time.process_time()
        result, _ = self.ocr(image)
        self.cpu_s += time.process_time() - start
        self.calls += 1
        lines = result or []
        texts = [(str(text), float(score)) for _, text, score in lines]
        if len(texts) > 1:  # a two-line plate: also the lines joined, top to bottom
            ordered = sorted(lines, key=lambda r: (r[0][0][1], r[0][0][0]))
            texts.append(("".join(str(r[1]) for r in ordered), min(s for _, s in texts)))
        fits = []
        for text, score in texts:
            fit = normalize(text, region)
            if fit is not None and len(fit.text) >= 4:
                fits.append((fit.text, score * fit.score))
        return sorted(set(fits), key=lambda f: -f[1])


def covers(quad: np.ndarray, truth: tuple[float, ...]) -> bool:
    """The candidate holds >= 60% of the true registration box and is not much taller."""
    x1, y1, x2, y2 = quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max()
    tx1, ty1, tx2, ty2 = truth
    inter = max(0.0, min(x2, tx2) - max(x1, tx1)) * max(0.0, min(y2, ty2) - max(y1, ty1))
    return inter >= 0.6 * (tx2 - tx1) * (ty2 - ty1) and (y2 - y1) <= 3.0 * (ty2 - ty1)


def engine_reads(reader: PlateReader, detector, image: np.ndarray) -> list[tuple[str, float]]:
    """As `sentinel-engine alpr` reads a still: per vehicle box, or the whole image."""
    boxes = [tuple(float(v) for v in b) for b in detector.detect(image).xyxy] or [None]
    reads = [r for r in reader.read_boxes(image, boxes) if r is not None]
    best: dict[str, float] = {}
    for r in reads:
        best[r.text] = max(best.get(r.text, 0.0), r.score)
    return sorted(best.items(), key=lambda t: -t[1])


def score_side(rows: list[tuple[str | None, list[tuple[str, float]]]]) -> dict[str, float]:
    """rows: (truth or None, ranked reads). Exact/per-char on rows with a truth."""
    truths = [(t, reads[0][0] if reads else "") for t, reads in rows if t is not None]
    false = sum(sum(text != t for text, _ in reads) for t, reads in rows)
    return {
        "exact": sum(p == t for t, p in truths) / max(len(truths), 1),
        "per_char": float(np.mean([per_char(p, t) for t, p in truths])) if truths else 0.0,
        "false_per_image": false / max(len(rows), 1),
        "n": len(truths),
    }


def video_costs(
    detector, reader: PlateReader, rapid: RapidSide, frames: list
) -> tuple[float, float, int, int]:
    """(ALPR CPU ms per vehicle track read, RapidOCR CPU ms per track, tracks, OCR reads)."""
    vehicle_ids = frozenset(c for c, nm in detector.class_names.items() if nm in VEHICLES)
    pipeline = CameraPipeline(detector, ByteTracker(TrackerSettings()))
    tracks = PlateTrackReader(reader, PlateTrackSettings(vehicle_classes=vehicle_ids))
    alpr_cpu, read_tracks, rapid_seen = 0.0, set(), set()
    rapid_cpu0, rapid_calls0 = rapid.cpu_s, rapid.calls
    for frame in frames:
        detections = pipeline.process(frame).detections
        rows_to_read = tracks.needs_read(detections)
        start = time.process_time()
        read_tracks.update(tracks.update(frame, detections))
        alpr_cpu += time.process_time() - start
        for i in rows_to_read:  # interleaved with the engine, frame by frame
            tid = int(detections.track_id[i])
            if tid not in rapid_seen:
                rapid_seen.add(tid)
                x1, y1, x2, y2 = (int(v) for v in detections.xyxy[i])
                rapid.plates(frame.image[max(0, y1) : y2, max(0, x1) : x2], "auto")
    ms = 1000 * alpr_cpu / max(len(read_tracks), 1)
    rapid_ms = 1000 * (rapid.cpu_s - rapid_cpu0) / max(rapid.calls - rapid_calls0, 1)
    return ms, rapid_ms, len(read_tracks), tracks.ocr_calls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--standin", type=int, default=120, help="stand-in scenes")
    parser.add_argument(
        "--clip", type=Path, default=ROOT / "resources/clips/traffic_street_fixedcam.mp4"
    )
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3, help="video timing runs (median)")
    args = parser.parse_args()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    detector = load_detector(classes=VEHICLES)
    auto, cn = PlateReader(), PlateReader(settings=PlateReaderSettings(region="cn"))
    general = PlateReader(recognizer=create_recognizer("ppocr-en"))
    general_cn = PlateReader(
        recognizer=create_recognizer("ppocr-en"), settings=PlateReaderSettings(region="cn")
    )
    rapid = RapidSide()
    rows: dict[str, list] = {"engine": [], "general": [], "rapidocr": []}

    # Photos and crops 100-199: the `exact` set.
    for name, (truth, _) in PHOTOS.items():
        image = cv2.imread(str(DATA / name))
        rows["engine"].append((truth, engine_reads(auto, detector, image)))
        rows["general"].append((truth, engine_reads(general, detector, image)))
        rows["rapidocr"].append((truth, rapid.plates(image, "auto")))
    folder = DATA / "plate_crops_cn"
    labels = dict(
        line.split("\t") for line in (folder / "labels.tsv").read_text("utf-8").splitlines()[1:]
    )
    rapid_rec_cn = 0
    for index in range(100, 200):
        name = f"{index:03d}.jpg"
        crop, truth = cv2.imread(str(folder / name)), labels[name][1:]
        for side, reader in (("engine", cn), ("general", general_cn)):
            read = reader.read_plate_crop(crop)
            rows[side].append((truth, [(read.text, read.score)] if read else []))
        rows["rapidocr"].append((truth, rapid.plates(crop, "cn")))
        rapid_rec_cn += rapid.recognise(crop, "cn") == truth
    main_scores = {side: score_side(r) for side, r in rows.items()}
    # The crops are true plate boxes already: the recogniser's accuracy on them.
    cn_hits = {
        side: sum(bool(reads) and reads[0][0] == t for t, reads in rows[side][len(PHOTOS) :])
        for side in ("engine", "general")
    }
    log(
        f"crops 100-199 given the box: engine {cn_hits['engine']}%, general "
        f"{cn_hits['general']}%, RapidOCR's recogniser alone {rapid_rec_cn}%"
    )
    for side, s in main_scores.items():
        log(
            f"photos+crops {side}: exact {s['exact']:.3f} per_char {s['per_char']:.3f} "
            f"false/image {s['false_per_image']:.3f} (n={s['n']})"
        )

    # Stand-in scenes: end to end, finder recall, recogniser given the true box.
    t0 = time.time()
    scenes = standin_scenes(
        demo_clips(),
        lambda f: [tuple(map(float, b)) for b in detector.detect(f).xyxy],
        args.standin,
    )
    log(f"stand-in: {len(scenes)} scenes built in {time.time() - t0:.0f} s")
    stand: dict[str, list] = {"engine": [], "general": [], "rapidocr": []}
    found = rec_ok = rec_general = rapid_rec = 0
    for scene in scenes:
        tq = scene.text_quad
        truth_box = (tq[:, 0].min(), tq[:, 1].min(), tq[:, 0].max(), tq[:, 1].max())
        for side, reader in (("engine", auto), ("general", general)):
            read = reader.read_boxes(scene.image, [scene.vehicle])[0]
            stand[side].append((scene.text, [(read.text, read.score)] if read else []))
        stand["rapidocr"].append((scene.text, rapid.plates(scene.image, "auto")))
        candidates = auto.finder.find(scene.image, scene.vehicle)
        found += any(covers(c.quad, truth_box) for c in candidates)
        exact_crop = rectify(scene.image, tq, 48, 0.12)
        read = auto.read_plate_crop(exact_crop)
        rec_ok += read is not None and read.text == scene.text
        read = general.read_plate_crop(exact_crop)
        rec_general += read is not None and read.text == scene.text
        rapid_rec += rapid.recognise(exact_crop, "auto") == scene.text
    stand_scores = {side: score_side(r) for side, r in stand.items()}
    n = len(scenes)
    for side, s in stand_scores.items():
        log(
            f"stand-in {side}: exact {s['exact']:.3f} per_char {s['per_char']:.3f} "
            f"false/image {s['false_per_image']:.3f} (n={n})"
        )
    log(
        f"stand-in finder recall {found / n:.3f}; recogniser on the true box: engine "
        f"{rec_ok / n:.3f}, general {rec_general / n:.3f}, rapidocr {rapid_rec / n:.3f}"
    )

    # Video: CPU per vehicle track for the ALPR stage; RapidOCR once per track's first crop.
    source = AvVideoSource(args.clip)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == args.frames:
            break
    source.close()
    runs = []
    for repeat in range(args.repeats):
        runs.append(video_costs(detector, auto, rapid, frames))
        ms, r_ms, n_tracks, reads = runs[-1]
        log(
            f"video {args.clip.name} repeat {repeat + 1}, {len(frames)} frames: {n_tracks} "
            f"vehicle tracks read, {reads} reads; ALPR {ms:.1f} CPU ms per track; RapidOCR "
            f"{r_ms:.1f} CPU ms per track (one call)"
        )
    ms_per_vehicle = statistics.median(r[0] for r in runs)
    rapid_ms = statistics.median(r[1] for r in runs)
    read_tracks = runs[0][2]

    summary = {
        "exact": round(main_scores["engine"]["exact"], 3),
        "n": main_scores["engine"]["n"],
        "rapidocr_exact": round(main_scores["rapidocr"]["exact"], 3),
        "general_exact": round(main_scores["general"]["exact"], 3),
        "per_char": round(main_scores["engine"]["per_char"], 3),
        "rapidocr_per_char": round(main_scores["rapidocr"]["per_char"], 3),
        "false_per_image": round(
            (
                main_scores["engine"]["false_per_image"] * len(rows["engine"])
                + stand_scores["engine"]["false_per_image"] * n
            )
            / (len(rows["engine"]) + n),
            3,
        ),
        "rapidocr_false_per_image": round(
            (
                main_scores["rapidocr"]["false_per_image"] * len(rows["rapidocr"])
                + stand_scores["rapidocr"]["false_per_image"] * n
            )
            / (len(rows["rapidocr"]) + n),
            3,
        ),
        "standin_exact": round(stand_scores["engine"]["exact"], 3),
        "standin_n": n,
        "rapidocr_standin_exact": round(stand_scores["rapidocr"]["exact"], 3),
        "general_standin_exact": round(stand_scores["general"]["exact"], 3),
        "finder_recall": round(found / n, 3),
        "recogniser_exact": round((rec_ok + cn_hits["engine"]) / (n + 100), 3),
        "general_recogniser_exact": round((rec_general + cn_hits["general"]) / (n + 100), 3),
        "rapidocr_recogniser_exact": round((rapid_rec + rapid_rec_cn) / (n + 100), 3),
        "cn_exact": round(cn_hits["engine"] / 100, 3),
        "general_cn_exact": round(cn_hits["general"] / 100, 3),
        "rapidocr_rec_cn_exact": round(rapid_rec_cn / 100, 3),
        "ms_per_vehicle": round(ms_per_vehicle, 1),
        "vehicle_tracks": read_tracks,
        "repeats": args.repeats,
        "rapidocr_ms": round(rapid_ms, 1),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
