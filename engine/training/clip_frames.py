"""Every frame of a clip that a choice accepts, with its decode index; the others are only
grabbed (no colour conversion), which is most of the cost saved when taking every n-th frame.
Shared by the dataset builder, the evaluation and the GPU kit's image rebuild, so all three
agree on what "frame i" is."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np


def sampled_frames(
    capture, wanted: Callable[[int], bool], last: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """(decode index, BGR picture) of each frame of the cv2.VideoCapture `wanted` accepts, up
    to index `last` when given, until the clip ends."""
    index = -1
    while last is None or index < last:
        index += 1
        if not wanted(index):
            if not capture.grab():
                return
            continue
        ok, frame = capture.read()
        if not ok:
            return
        yield index, frame
