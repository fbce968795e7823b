"""A stand-in for real EU/US car photos, kept out of training: US- and EU-format plates drawn in
a font the recogniser never saw (DejaVu Sans Bold), with their own seed, onto vehicles cut from
the bundled clips and enlarged, registration characters 15-40 px high. Generated at bench time,
deterministically; nothing is written to disk."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.alpr.training.plate_render import (
    HELD_OUT_FONTS,
    SMALL_FONTS,
    available_fonts,
    render_plate,
)
from engine.alpr.training.plate_scenes import clip_frames, perspective

STANDIN_SEED = 20240601  # training uses small seeds; this one is only for the stand-in
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class StandinScene:
    """A vehicle image with one plate: truth text, its registration quad, the vehicle box."""

    image: np.ndarray
    vehicle: Box
    text_quad: np.ndarray
    text: str
    style: str


def vehicle_cuts(
    frames: list[np.ndarray], detect: Callable[[np.ndarray], list[Box]], min_width: int = 40
) -> list[tuple[int, Box]]:
    """(frame index, box) of every vehicle at least `min_width` px wide in the frames."""
    cuts = []
    for index, frame in enumerate(frames):
        cuts += [(index, box) for box in detect(frame) if box[2] - box[0] >= min_width]
    return cuts


def _mild(rng: random.Random, image: np.ndarray) -> np.ndarray:
    out = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(1, 5), out.shape)
    out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(55, 90)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def make_scene(
    rng: random.Random, frame: np.ndarray, box: Box, style: str, fonts: list[Path]
) -> StandinScene:
    plate = render_plate(rng, style, fonts, available_fonts(SMALL_FONTS) or fonts, None)
    ph, pw = plate.image.shape[:2]
    x1, y1, x2, y2 = plate.text_box
    scale = rng.uniform(15, 40) / max(y2 - y1, 1)  # registration characters 15-40 px high
    plate_w = pw * scale
    # The vehicle is enlarged so the plate is a plausible 16-32% of its width.
    bx1, by1, bx2, by2 = box
    bw, bh = bx2 - bx1, by2 - by1
    grow = max(plate_w / rng.uniform(0.16, 0.32), 160) / bw
    fh, fw = frame.shape[:2]
    cx1, cy1 = int(max(0, bx1 - 0.2 * bw)), int(max(0, by1 - 0.2 * bh))
    cx2, cy2 = int(min(fw, bx2 + 0.2 * bw)), int(min(fh, by2 + 0.2 * bh))
    cut = frame[cy1:cy2, cx1:cx2]
    image = cv2.resize(cut, None, fx=grow, fy=grow, interpolation=cv2.INTER_CUBIC)
    vehicle = ((bx1 - cx1) * grow, (by1 - cy1) * grow, (bx2 - cx1) * grow, (by2 - cy1) * grow)
    vw, vh = vehicle[2] - vehicle[0], vehicle[3] - vehicle[1]
    centre = np.float32(
        [
            vehicle[0] + vw * (0.5 + rng.uniform(-0.08, 0.08)),
            vehicle[1] + vh * rng.uniform(0.62, 0.82),
        ]
    )
    dst = perspective(rng, pw, ph) * scale + centre
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    h, w = image.shape[:2]
    bgr = np.ascontiguousarray(plate.image[:, :, ::-1])
    warped = cv2.warpPerspective(bgr, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (w, h))
    image = np.where(mask[:, :, None] > 127, warped, image)
    text = np.float32([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    text_quad = cv2.perspectiveTransform(text[None], matrix)[0]
    return StandinScene(_mild(rng, image), vehicle, text_quad, plate.label, style)


def standin_scenes(
    clips: list[Path], detect: Callable[[np.ndarray], list[Box]], count: int = 120
) -> list[StandinScene]:
    """`count` scenes, half US and half EU plates, the same ones on every run."""
    fonts = available_fonts(HELD_OUT_FONTS)
    if not fonts:
        raise FileNotFoundError(f"stand-in font missing: {HELD_OUT_FONTS} (fonts-dejavu-core)")
    frames = clip_frames(clips, per_clip=8)
    cuts = vehicle_cuts(frames, detect)
    if not cuts:
        raise ValueError("no vehicles found in the clips for the stand-in set")
    rng = random.Random(STANDIN_SEED)
    order = rng.sample(range(len(cuts)), len(cuts))
    scenes = []
    for k in range(count):
        index, box = cuts[order[k % len(order)]]
        style = "us" if k % 2 == 0 else "eu"
        scenes.append(make_scene(rng, frames[index], box, style, fonts))
    return scenes
