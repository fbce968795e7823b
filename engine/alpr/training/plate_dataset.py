"""The recogniser's training set: synthetic plates (every region) over clip backgrounds, a few
plate-shaped negatives, and the real Chinese crops 000-099 (crops 100-199 are never used here:
they are the test set). Everything is stored as prepared uint8 inputs plus labels."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.alpr.plate_finder import rectify
from engine.alpr.plate_input import prepare_plate
from engine.alpr.training.plate_render import (
    CJK_FONTS,
    SMALL_FONTS,
    TRAIN_FONTS,
    available_fonts,
    find_font,
    render_plate,
)
from engine.alpr.training.plate_scenes import (
    PAD_FRACTION,
    RECT_HEIGHT,
    clip_frames,
    negative_crop,
    real_crop,
    scene_crop,
)

STYLE_WEIGHTS = {"us": 0.25, "eu": 0.22, "in": 0.12, "cn": 0.21, "generic": 0.2}
NEGATIVE_FRACTION = 0.04
TRAIN_CROPS = range(0, 100)  # plate_crops_cn: 000-099 may train, 100-199 only test


@dataclass
class PlateSet:
    images: np.ndarray  # [N, H, W] uint8
    labels: list[str]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, images=self.images, labels=np.array(self.labels, dtype=object))

    @classmethod
    def load(cls, path: Path) -> PlateSet:
        data = np.load(path, allow_pickle=True)
        return cls(data["images"], [str(x) for x in data["labels"]])


def to_uint8(crop: np.ndarray) -> np.ndarray:
    return np.round((prepare_plate(crop) * 0.5 + 0.5) * 255).astype(np.uint8)


def read_cn_labels(folder: Path) -> dict[str, str]:
    """labels.tsv: file -> Latin part (the province glyph, first, is dropped)."""
    lines = (folder / "labels.tsv").read_text("utf-8").splitlines()[1:]
    return {name: plate[1:] for name, plate in (line.split("\t") for line in lines)}


def synthetic_set(count: int, seed: int, clips: list[Path], log_every: int = 5000) -> PlateSet:
    rng = random.Random(seed)
    fonts = available_fonts(TRAIN_FONTS)
    if not fonts:
        raise FileNotFoundError(f"none of the training fonts is installed: {TRAIN_FONTS}")
    small = available_fonts(SMALL_FONTS) or fonts
    cjk = find_font(CJK_FONTS[0])
    frames = clip_frames(clips)
    styles, weights = list(STYLE_WEIGHTS), list(STYLE_WEIGHTS.values())
    images, labels = [], []
    for i in range(count):
        if rng.random() < NEGATIVE_FRACTION:
            images.append(to_uint8(negative_crop(rng, frames)))
            labels.append("")
        else:
            plate = render_plate(rng, rng.choices(styles, weights)[0], fonts, small, cjk)
            images.append(to_uint8(scene_crop(rng, plate, frames)))
            labels.append(plate.label)
        if log_every and (i + 1) % log_every == 0:
            print(f"rendered {i + 1}/{count}", flush=True)
    return PlateSet(np.stack(images), labels)


def as_found(crop: np.ndarray) -> np.ndarray:
    """A whole plate crop as PlateReader.read_plate_crop hands it on: rectified and padded."""
    h, w = crop.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return rectify(crop, corners, RECT_HEIGHT, PAD_FRACTION)


def real_set(folder: Path, copies: int, seed: int) -> PlateSet:
    """Crops 000-099, each as itself and `copies` jittered, degraded variants."""
    rng = random.Random(seed)
    labels = read_cn_labels(folder)
    images, out_labels = [], []
    for index in TRAIN_CROPS:
        name = f"{index:03d}.jpg"
        crop = cv2.imread(str(folder / name))
        if crop is None:
            raise FileNotFoundError(f"missing training crop {folder / name}")
        images.append(to_uint8(as_found(crop)))
        out_labels.append(labels[name])
        for _ in range(copies):
            images.append(to_uint8(real_crop(rng, crop)))
            out_labels.append(labels[name])
    return PlateSet(np.stack(images), out_labels)


def concat(*sets: PlateSet) -> PlateSet:
    return PlateSet(np.concatenate([s.images for s in sets]), [lb for s in sets for lb in s.labels])
