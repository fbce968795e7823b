"""A generated clip with a red 64 px square whose true position is known on every frame, and a
colour-blob detector that finds it (registered under "colour-blob")."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from engine.domain import Detections
from engine.vision.detector import DetectorConfig, register_detector

FPS = 25
SIZE = 64
WIDTH, HEIGHT = 576, 256
LEFT, RIGHT = 64, WIDTH - SIZE - 60  # the square turns back at these x
TOP = 96


def square_track(frames: int) -> np.ndarray:
    """x of the square per frame: 4 px/frame at the turns, up to 8 px/frame in between (it
    slows before reversing like a real vehicle), reversing at LEFT and RIGHT."""
    xs = [float(LEFT)]
    direction = 1
    for _ in range(1, frames):
        x = xs[-1]
        span = np.clip((x - 60) / (RIGHT - 60), 0, 1)
        step = 4 + 4 * np.sin(np.pi * span)
        if not LEFT - 4 <= x + direction * step <= RIGHT:
            direction = -direction
        xs.append(x + direction * step)
    return np.array(xs)


def reversals(xs: np.ndarray) -> list[int]:
    """Frame indices whose motion is opposite to the previous frame's."""
    steps = np.sign(np.diff(xs))
    return [i + 1 for i in range(1, len(steps)) if steps[i] != steps[i - 1]]


def true_box(xs: np.ndarray, index: int) -> np.ndarray:
    x = round(xs[index])  # the clip draws the square at whole pixels
    return np.array([x, TOP, x + SIZE, TOP + SIZE], dtype=np.float64)


def write_clip(path: Path, xs: np.ndarray) -> Path:
    """H.264 at high quality; a textured green background so the picture is not flat."""
    rng = np.random.default_rng(7)
    background = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    background[:] = (40, 90, 50)
    background += rng.integers(0, 30, background.shape, dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "12", "preset": "veryfast", "g": "25"}
        for x in xs:
            image = background.copy()
            x0 = int(round(x))
            image[TOP : TOP + SIZE, x0 : x0 + SIZE] = (0, 0, 230)  # BGR red
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


class ColourBlobDetector:
    """The bounding box of the red pixels, as one 'blob' detection."""

    class_names = {0: "blob"}
    input_size = 0

    def detect(self, image: np.ndarray) -> Detections:
        b, g, r = (image[..., i].astype(np.int16) for i in range(3))
        mask = (r > 150) & (g < 100) & (b < 100)
        if mask.sum() < 100:
            return Detections.empty()
        ys, xs = np.nonzero(mask)
        box = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        return Detections(xyxy=[box], score=[0.95], class_id=[0])


@register_detector("colour-blob")
def _colour_blob(config: DetectorConfig) -> ColourBlobDetector:
    return ColourBlobDetector()
