"""MotionExtrapolator on its own: where a predicted box is drawn between two analysed frames."""

from __future__ import annotations

import numpy as np
import pytest

from engine.domain import Detections
from engine.pipeline import MotionExtrapolator

W, H = 40.0, 30.0


def box(x: float, y: float = 50.0) -> list[float]:
    return [x, y, x + W, y + H]


def tracked(*rows: tuple[int, float]) -> Detections:
    """Rows (track id, x) as the tracker returns them on an analysed frame."""
    if not rows:
        return Detections.empty()
    return Detections(
        xyxy=[box(x) for _, x in rows],
        score=[0.9] * len(rows),
        class_id=[0] * len(rows),
        track_id=[tid for tid, _ in rows],
    )


def raw(*xs: float) -> Detections:
    if not xs:
        return Detections.empty()
    return Detections(xyxy=[box(x) for x in xs], score=[0.9] * len(xs), class_id=[0] * len(xs))


def tracker_prediction(*rows: tuple[int, float]) -> Detections:
    """What ByteTracker.predict hands over: its own (Kalman) boxes, flagged predicted."""
    rows_ = tracked(*rows)
    rows_.predicted = np.ones(len(rows_), dtype=bool)
    return rows_


def feed(extrapolator: MotionExtrapolator, history: list[tuple[float, list[float]]]) -> None:
    """Analysed frames: (pts, xs of track 1; an empty list = not tracked on that frame)."""
    for pts, xs in history:
        rows = tuple((1, x) for x in xs)
        extrapolator.observe(pts, raw(*xs), tracked(*rows))


@pytest.mark.parametrize(
    ("history", "at_pts", "kalman_x", "expected_x"),
    [
        # constant velocity: 10 px per 0.2 s = 50 px/s, 0.1 s after the last measurement
        ([(0.0, [100.0]), (0.2, [110.0])], 0.3, 999.0, 115.0),
        ([(0.0, [100.0]), (0.2, [110.0]), (0.4, [120.0])], 0.6, 999.0, 130.0),
        # reversal: the two newest measurements decide, not the history before them
        ([(0.0, [100.0]), (0.2, [120.0]), (0.4, [140.0]), (0.6, [130.0])], 0.7, 999.0, 125.0),
        # a single measurement: no velocity yet, the tracker's own prediction stays
        ([(0.0, [100.0])], 0.1, 97.0, 97.0),
        # a pts before the last measurement is never extrapolated backwards
        ([(0.0, [100.0]), (0.2, [110.0])], 0.1, 999.0, 110.0),
    ],
)
def test_prediction_moves_the_last_measurement(history, at_pts, kalman_x, expected_x):
    extrapolator = MotionExtrapolator()
    feed(extrapolator, history)
    shown = extrapolator.predict(at_pts, tracker_prediction((1, kalman_x)))
    np.testing.assert_allclose(shown.xyxy[0], box(expected_x), atol=1e-3)
    assert shown.predicted.all()


def test_new_track_takes_its_velocity_from_the_raw_detection_before_confirmation():
    # The tracker confirms a track on its second sighting: on the first analysed frame it
    # returned no row, only the raw detection at x=100 exists.
    extrapolator = MotionExtrapolator()
    extrapolator.observe(0.0, raw(100.0, 400.0), tracked())
    extrapolator.observe(0.2, raw(108.0, 400.0), tracked((7, 108.0)))
    shown = extrapolator.predict(0.3, tracker_prediction((7, 999.0)))
    np.testing.assert_allclose(shown.xyxy[0], box(112.0), atol=1e-3)


def test_new_track_with_no_plausible_earlier_detection_keeps_the_tracker_prediction():
    extrapolator = MotionExtrapolator()
    extrapolator.observe(0.0, raw(400.0), tracked())  # far away: not the same object
    extrapolator.observe(0.2, raw(100.0, 400.0), tracked((3, 100.0)))
    shown = extrapolator.predict(0.3, tracker_prediction((3, 96.0)))
    np.testing.assert_allclose(shown.xyxy[0], box(96.0), atol=1e-3)


def test_lost_track_forgets_its_history_and_reset_forgets_everything():
    extrapolator = MotionExtrapolator()
    feed(extrapolator, [(0.0, [100.0]), (0.2, [110.0]), (0.4, [])])
    # the id comes back (a tracker re-finding it): old velocity must not be used
    extrapolator.observe(0.6, raw(), tracked((1, 300.0)))
    shown = extrapolator.predict(0.7, tracker_prediction((1, 305.0)))
    np.testing.assert_allclose(shown.xyxy[0], box(305.0), atol=1e-3)

    feed(extrapolator, [(0.8, [310.0]), (1.0, [320.0])])
    extrapolator.reset()
    extrapolator.observe(1.2, raw(330.0), tracked((1, 330.0)))
    shown = extrapolator.predict(1.3, tracker_prediction((1, 333.0)))
    np.testing.assert_allclose(shown.xyxy[0], box(333.0), atol=1e-3)


def test_rows_without_history_and_empty_predictions_pass_through():
    extrapolator = MotionExtrapolator()
    feed(extrapolator, [(0.0, [100.0]), (0.2, [110.0])])
    shown = extrapolator.predict(0.3, tracker_prediction((1, 0.0), (2, 50.0)))
    np.testing.assert_allclose(shown.xyxy, [box(115.0), box(50.0)], atol=1e-3)
    assert len(extrapolator.predict(0.3, Detections.empty())) == 0
