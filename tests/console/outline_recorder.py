"""Records, for each frame a tile paints, whether it was analysed and where the square's outline
was drawn (found on the tile's own pixels by its track colour), in source pixels."""

from __future__ import annotations

import numpy as np

from console.video_wall.overlay import track_colour
from tests.console import moving_square as sq
from tests.console.pixels import find_outline, pixels

# pts -> (analysed, outline x1 y1 x2 y2 in source pixels or None, boxes in the result)
Drawn = dict[float, tuple[bool, np.ndarray | None, int]]


def record_outlines(tile, drawn: Drawn):
    """Connect to `tile.painted`: each newly painted pts is grabbed once and recorded. Returns
    the slot, for `tile.painted.disconnect`."""
    grabbing = False

    def on_painted(pts: float) -> None:
        nonlocal grabbing
        if grabbing or pts in drawn:
            return
        grabbing = True
        result = tile.shown_result
        rect = tile.picture_rect()
        scale = rect.width() / result.frame.width
        rgb = pixels(tile.grab().toImage())
        grabbing = False
        assert tile.shown_result is result  # the grab painted the same frame
        det = result.detections
        outline = None
        if len(det):
            colour = track_colour(int(det.track_id[0])).getRgb()[:3]
            found = find_outline(rgb, colour, sq.SIZE * scale)
            if found is not None:
                outline = (found - [rect.x(), rect.y(), rect.x(), rect.y()]) / scale
        drawn[pts] = (result.analysed, outline, len(det))

    tile.painted.connect(on_painted)
    return on_painted


def judge(
    drawn: Drawn,
    xs: np.ndarray,
    frames: int,
    unconfirmed: set[int],
    excused: set[int],
    *,
    excuse_missing: bool = False,
) -> list[tuple[str, int, float]]:
    """The overlay rules on what was drawn: IoU >= 0.9 with the true square on analysed frames,
    >= 0.8 on predicted ones outside `excused` (before the second analysed frame after the square
    appears or reverses); frames in `unconfirmed` (a track not confirmed yet) are not judged.
    `excuse_missing`: an excused frame may show no box at all (a remote picture whose boxes came
    late). Returns (what, frame index, IoU) per failure."""
    from engine.domain import box_iou

    failures = []
    for pts, (was_analysed, outline, _n) in sorted(drawn.items()):
        index = round(pts * sq.FPS)
        truth = sq.true_box(xs, index % frames)
        iou = 0.0 if outline is None else float(box_iou(outline[None], truth[None])[0, 0])
        if index in unconfirmed:
            continue
        if was_analysed and iou < 0.9:
            failures.append(("measured", index, round(iou, 3)))
        elif not was_analysed and index not in excused and iou < 0.8:
            failures.append(("predicted", index, round(iou, 3)))
        elif outline is None and not (excuse_missing and index in excused):
            failures.append(("not drawn", index, 0.0))
    return failures
