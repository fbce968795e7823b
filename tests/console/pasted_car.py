"""A generated clip with a real car: the car of the street clip's frame 240 cut out and pasted
onto the empty road of its frame 830, sliding a few px per frame and back (24 fps, PyAV)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from tests.helpers import STREET, read_frame

FPS = 24
CAR_FRAME, CAR_BOX = 240, (293, 155, 436, 249)  # x1, y1, x2, y2 in the street clip
ROAD_FRAME = 830  # the same view with the road empty
WIDTH = 576  # the road frame cut at the right: the parked car there stays out of the clip
START_X, STEP = 40, 5
FRAMES = 72  # 36 frames out at STEP px/frame, 36 back


def car_track(frames: int = FRAMES) -> np.ndarray:
    """x of the crop's left edge per frame: out to the right, then back."""
    half = frames // 2
    out = START_X + STEP * np.arange(half)
    return np.concatenate([out, out[::-1]])[:frames]


def write_clip(path: Path, xs: np.ndarray) -> Path:
    car = read_frame(STREET, CAR_FRAME)[CAR_BOX[1] : CAR_BOX[3], CAR_BOX[0] : CAR_BOX[2]]
    road = read_frame(STREET, ROAD_FRAME)[:, :WIDTH]
    height = road.shape[0]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, height, "yuv420p"
        stream.options = {"crf": "16", "preset": "veryfast", "g": str(FPS)}
        for x in xs:
            image = road.copy()
            x0 = int(x)
            image[CAR_BOX[1] : CAR_BOX[3], x0 : x0 + car.shape[1]] = car
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def true_box(xs: np.ndarray, index: int) -> np.ndarray:
    """Where the pasted crop is (the car fills most of it)."""
    x0 = int(xs[index])
    return np.array([x0, CAR_BOX[1], x0 + CAR_BOX[2] - CAR_BOX[0], CAR_BOX[3]], dtype=np.float64)
