"""On the lent GPU machine: re-make a distilled dataset's images from the bundled clips.

Only the label files travel (the images would not fit beside the repository). Image names are
`<clip stem>_<decode index>` and distill_dataset decodes with OpenCV too, so the same frames come
out (checked pixel for pixel here).

    python3 scripts/gpu_train/rebuild_images.py datasets/NAME resources/clips
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import cv2

from engine.training.clip_frames import sampled_frames

JPEG_QUALITY = 95  # distill_dataset's


def rebuild(root: Path, clips: Path) -> None:
    wanted: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
    for label in root.glob("labels/*/*.txt"):
        stem, index = label.stem.rsplit("_", 1)
        wanted[stem][int(index)] = (label.parent.name, label.stem)
    for stem, frames in wanted.items():
        capture = cv2.VideoCapture(str(clips / f"{stem}.mp4"))
        written = 0
        for index, frame in sampled_frames(capture, frames.__contains__, last=max(frames)):
            split, name = frames[index]
            (root / "images" / split).mkdir(parents=True, exist_ok=True)
            path = root / "images" / split / f"{name}.jpg"
            cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            written += 1
        print(f"{root.name}/{stem}: {written} of {len(frames)} images", flush=True)
        if written != len(frames):
            raise SystemExit(f"{stem}: only {written} of {len(frames)} frames decoded")


if __name__ == "__main__":
    rebuild(Path(sys.argv[1]), Path(sys.argv[2]))
