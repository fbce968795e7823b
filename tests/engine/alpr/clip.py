"""A generated test clip: the pixabay car (plate 4XXF538) driving across a road, each frame
degraded differently (blur, noise, JPEG) so single-frame reads disagree."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from tests.engine.alpr import DATA

FRAMES = 24
SIZE = (960, 544)  # width, height: multiples of 16 for the encoder


def _degrade(image: np.ndarray, index: int, rng: np.random.Generator) -> np.ndarray:
    # Every third frame is hit hard: the plate text blurs, grains and blocks past reading.
    hard = index % 3 == 1
    sigma = 2.2 if hard else 0.6 + 0.4 * rng.random()
    out = cv2.GaussianBlur(image, (0, 0), sigma)
    noise = rng.normal(0, 22 if hard else 6, out.shape)
    out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    quality = 12 if hard else 70
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def write_moving_plate_clip(path: Path, seed: int = 7) -> Path:
    car = cv2.imread(str(DATA / "car_plate_pixabay.jpg"))[260:760, 380:900]  # the Beetle
    rng = np.random.default_rng(seed)
    width, height = SIZE
    container = av.open(str(path), mode="w")
    stream = container.add_stream("libx264", rate=12)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"crf": "12", "preset": "ultrafast"}
    road = np.full((height, width, 3), 90, dtype=np.uint8)
    for index in range(FRAMES):
        canvas = road.copy()
        x = 20 + index * 16  # drives right, 16 px a frame
        canvas[20 : 20 + car.shape[0], x : x + car.shape[1]] = car
        frame = av.VideoFrame.from_ndarray(_degrade(canvas, index, rng), format="bgr24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path
