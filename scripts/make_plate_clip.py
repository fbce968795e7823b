"""Makes the demo's plate clip: the Pixabay VW Beetle (plate 4XXF538) driving across a road.

The car is cut from tests/data/alpr/car_plate_pixabay.jpg (Pixabay photo, see resources/NOTICE.md)
and pasted onto a drawn road, moving right a few pixels a frame, with mild per-frame blur and
sensor noise from a fixed seed; an empty road follows, so each loop of the clip ends the car's
track (and gives its plate event) before the next pass. Same inputs, same file (one x264 thread).

    python scripts/make_plate_clip.py [SOURCE_JPG] [TARGET_MP4]
"""

from __future__ import annotations

import sys
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "alpr" / "car_plate_pixabay.jpg"
# Not in clips/ itself: what is there (engine.resources.demo_clips) is background footage for
# training the plate recogniser, and this plate is a test image.
TARGET = ROOT / "resources" / "clips" / "generated" / "plate_pixabay_street.mp4"
SIZE = (960, 544)  # width, height: multiples of 16 for the encoder
FPS = 25
STEP_PX = 5  # per frame: 125 px/s
START_X, END_X = -160, 600  # the car's left edge: drives in and out across the frame
EMPTY_FRAMES = 30  # road only, 1.2 s: the track ends before the loop starts again
SEED = 4538


def _road(width: int, height: int) -> np.ndarray:
    road = np.full((height, width, 3), (88, 92, 96), dtype=np.uint8)
    road[: height // 5] = (150, 160, 120)  # verge behind the lane
    cv2.line(road, (0, height - 18), (width, height - 18), (230, 230, 230), 4)
    for x in range(0, width, 120):
        cv2.line(road, (x, height // 5 + 6), (x + 60, height // 5 + 6), (200, 200, 200), 3)
    return road


def _frame(
    road: np.ndarray, car: np.ndarray, x: int | None, rng: np.random.Generator
) -> np.ndarray:
    canvas = road.copy()
    if x is not None:
        h, w = car.shape[:2]
        left, right = max(x, 0), min(x + w, canvas.shape[1])
        top = 30
        canvas[top : top + h, left:right] = car[:, left - x : right - x]
    canvas = cv2.GaussianBlur(canvas, (0, 0), 0.5 + 0.4 * rng.random())
    noise = rng.normal(0, 2, canvas.shape)
    return np.clip(canvas.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def make_plate_clip(source: Path = SOURCE, target: Path = TARGET) -> Path:
    car = cv2.imread(str(source))
    if car is None:
        raise SystemExit(f"cannot read {source}")
    car = car[260:760, 380:900]  # the Beetle, plate included
    rng = np.random.default_rng(SEED)
    width, height = SIZE
    road = _road(width, height)
    target.parent.mkdir(parents=True, exist_ok=True)
    container = av.open(str(target), mode="w")
    stream = container.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"crf": "23", "preset": "medium"}
    stream.codec_context.thread_count = 1  # x264 output depends on its thread count
    positions: list[int | None] = list(range(START_X, END_X + 1, STEP_PX))
    positions += [None] * EMPTY_FRAMES
    for x in positions:
        frame = av.VideoFrame.from_ndarray(_frame(road, car, x, rng), format="bgr24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return target


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    print(make_plate_clip(*args))
