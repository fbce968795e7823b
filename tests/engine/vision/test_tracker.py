"""ByteTracker on synthetic, deterministic scenes: boxes moving at constant velocity, analysed
at a detection stride like the engine does, with seeded sensor noise where it matters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.domain import NO_TRACK, Detections, box_iou
from engine.vision.tracker import ByteTracker, TrackerSettings

FPS = 25.0
STRIDE = 3


@dataclass(frozen=True)
class Mover:
    """A box moving at constant velocity; positions in px, velocity in px/s."""

    center: tuple[float, float]
    velocity: tuple[float, float]
    size: tuple[float, float] = (60.0, 40.0)

    def box(self, t: float) -> np.ndarray:
        cx = self.center[0] + self.velocity[0] * t
        cy = self.center[1] + self.velocity[1] * t
        w, h = self.size
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float32)


def detections(boxes: list[np.ndarray], score: float = 0.9, class_id: int = 2) -> Detections:
    n = len(boxes)
    return Detections(
        xyxy=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        score=np.full(n, score),
        class_id=np.full(n, class_id),
    )


def id_per_row(sent: Detections, returned: Detections) -> list[int]:
    """Track id the tracker gave each sent row (NO_TRACK when the row was not returned)."""
    ids = []
    for row in sent.xyxy:
        hit = np.flatnonzero(np.all(returned.xyxy == row, axis=1))
        ids.append(int(returned.track_id[hit[0]]) if len(hit) else NO_TRACK)
    return ids


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(box_iou(a, b)[0, 0])


def test_ids_survive_an_occlusion_and_coasting_boxes_follow_the_truth() -> None:
    movers = [
        Mover((80, 60), (90, 0), (60, 40)),
        Mover((560, 300), (-70, 0), (80, 50)),
        Mover((300, 180), (0, -20), (40, 40)),
    ]
    hidden, hidden_analysed = 2, range(8, 13)  # 5 analysed frames = 15 source frames = 0.6 s
    for t in np.arange(0, 3.0, 1 / FPS):  # the scene itself must not make ids ambiguous
        truth = np.stack([m.box(t) for m in movers])
        assert np.all(box_iou(truth, truth)[~np.eye(3, dtype=bool)] == 0)

    rng = np.random.default_rng(7)
    tracker = ByteTracker(TrackerSettings())
    ids_seen: list[list[int]] = []
    for frame in range(0, 75):
        t = frame / FPS
        analysed = frame // STRIDE
        if frame % STRIDE:
            if analysed in hidden_analysed:  # between frames of the gap, incl. after the last
                coasting = tracker.predict(t, include_lost=True)
                row = np.flatnonzero(coasting.track_id == ids_seen[-1][hidden])
                assert len(row) == 1, f"hidden track missing from predictions at frame {frame}"
                assert iou(coasting.xyxy[row[0]], movers[hidden].box(t)) >= 0.5
            continue
        visible = [i for i in range(3) if not (i == hidden and analysed in hidden_analysed)]
        boxes = [movers[i].box(t) + rng.normal(0, 1.0, 4).astype(np.float32) for i in visible]
        sent = detections(boxes)
        ids = dict(zip(visible, id_per_row(sent, tracker.update(sent, t)), strict=True))
        if analysed >= 1:  # confirmed from the second analysed frame (min_hits=2)
            full = [ids.get(i, ids_seen[-1][i] if ids_seen else NO_TRACK) for i in range(3)]
            assert NO_TRACK not in full, f"untracked object at frame {frame}: {full}"
            ids_seen.append(full)

    assert all(ids == ids_seen[0] for ids in ids_seen), ids_seen
    assert len(set(ids_seen[0])) == 3


@pytest.mark.parametrize("score", [0.11, 0.3, 0.49, 0.55])
def test_detections_below_the_new_track_threshold_never_start_a_track(score: float) -> None:
    tracker = ByteTracker(TrackerSettings())
    still = Mover((200, 200), (0, 0))
    for frame in range(0, 60, STRIDE):
        out = tracker.update(detections([still.box(frame / FPS)], score=score), frame / FPS)
        assert len(out) == 0
        assert len(tracker.predict(frame / FPS)) == 0


@pytest.mark.parametrize(
    ("score", "extends"),
    [
        (0.3, True),  # between low and high: second-stage match keeps the track alive
        (0.12, True),
        (0.05, False),  # below low_threshold: ignored, so the track goes lost
    ],
)
def test_low_score_detections_extend_an_existing_track(score: float, extends: bool) -> None:
    tracker = ByteTracker(TrackerSettings())
    car = Mover((100, 200), (100, 0))
    frames = range(0, 45, STRIDE)
    first_id = NO_TRACK
    for n, frame in enumerate(frames):
        t = frame / FPS
        sent = detections([car.box(t)], score=0.9 if n < 3 else score)
        out = tracker.update(sent, t)
        if n == 2:
            (first_id,) = id_per_row(sent, out)
        elif n > 2:
            assert id_per_row(sent, out) == [first_id if extends else NO_TRACK]
            tracked = tracker.predict(t)
            assert list(tracked.track_id) == ([first_id] if extends else [])
    assert first_id != NO_TRACK


def test_a_low_score_detection_does_not_revive_a_lost_track() -> None:
    # ByteTrack's second stage rescues tracked tracks only: after a miss, a weak box alone
    # is not evidence enough, so the track stays lost and nothing is returned.
    car = Mover((100, 200), (100, 0))
    tracker = ByteTracker()
    for n in range(3):
        tracker.update(detections([car.box(n * STRIDE / FPS)]), n * STRIDE / FPS)
    tracker.update(Detections.empty(), 3 * STRIDE / FPS)  # missed once: lost
    for n in range(4, 8):
        t = n * STRIDE / FPS
        assert len(tracker.update(detections([car.box(t)], score=0.3), t)) == 0
        assert len(tracker.predict(t)) == 0


def test_a_far_away_detection_does_not_inherit_a_vanished_track() -> None:
    gone, arriving = Mover((100, 100), (50, 0)), Mover((500, 300), (-50, 0))
    tracker = ByteTracker()
    old_ids: set[int] = set()
    for n in range(4):
        t = n * STRIDE / FPS
        old_ids |= set(tracker.update(detections([gone.box(t)]), t).track_id.tolist())
    for n in range(4, 8):
        t = n * STRIDE / FPS
        out = tracker.update(detections([arriving.box(t)]), t)
        assert not old_ids & set(out.track_id.tolist())
    assert len(old_ids) == 1 and len(out) == 1


@pytest.mark.parametrize(
    ("velocity", "updates", "ahead_s"),
    [
        ((120.0, -40.0), 3, 1 / FPS),  # the frames between analysed frames at stride 3
        ((120.0, -40.0), 3, 2 / FPS),
        ((-200.0, 30.0), 5, 2 / FPS),
        ((60.0, 60.0), 10, 0.48),  # a stride of 3 plus a motion gate skipping 9 frames
    ],
)
def test_predict_extrapolates_constant_velocity(
    velocity: tuple[float, float], updates: int, ahead_s: float
) -> None:
    car = Mover((320, 180), velocity, (80, 50))
    tracker = ByteTracker(TrackerSettings())
    t = 0.0
    for n in range(updates):
        t = n * STRIDE / FPS
        tracker.update(detections([car.box(t)]), t)
    predicted = tracker.predict(t + ahead_s)
    assert len(predicted) == 1
    assert predicted.predicted.all()
    assert predicted.class_id[0] == 2
    assert iou(predicted.xyxy[0], car.box(t + ahead_s)) >= 0.9


@pytest.mark.parametrize(
    ("seed", "ahead_s", "min_iou"),
    [(seed, 2 / FPS, 0.95) for seed in range(3)] + [(seed, 0.48, 0.8) for seed in range(3)],
)
def test_predict_keeps_a_still_object_still(seed: int, ahead_s: float, min_iou: float) -> None:
    # A parked car with jittery boxes (1.5 px per corner): the velocity estimate is noise, so
    # extrapolating must move the box little and must not shrink or swell it.
    rng = np.random.default_rng(seed)
    parked = Mover((320, 180), (0, 0), (80, 50)).box(0)
    tracker = ByteTracker()
    t = 0.0
    for n in range(20):
        t = n * STRIDE / FPS
        tracker.update(detections([parked + rng.normal(0, 1.5, 4).astype(np.float32)]), t)
    now, later = tracker.predict(t).xyxy[0], tracker.predict(t + ahead_s).xyxy[0]
    assert iou(later, now) >= min_iou
    np.testing.assert_allclose(later[2:] - later[:2], now[2:] - now[:2], atol=1e-3)


def test_predict_does_not_change_the_tracker() -> None:
    car = Mover((100, 100), (150, 60))
    probed, untouched = ByteTracker(), ByteTracker()
    for frame in range(0, 4 * STRIDE, STRIDE):
        sent = detections([car.box(frame / FPS)])
        probed.update(sent, frame / FPS)
        untouched.update(sent, frame / FPS)
    t = 3 * STRIDE / FPS
    first = probed.predict(t + 1 / FPS)
    for ahead in (1 / FPS, 5.0, 0.5, -1.0, 1 / FPS):  # far future and past included
        probed.predict(t + ahead)
    again = probed.predict(t + 1 / FPS)
    np.testing.assert_array_equal(first.xyxy, again.xyxy)
    np.testing.assert_array_equal(first.track_id, again.track_id)

    t_next = 4 * STRIDE / FPS
    sent = detections([car.box(t_next)])
    a, b = probed.update(sent, t_next), untouched.update(sent, t_next)
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(
        probed.predict(t_next + 0.1).xyxy, untouched.predict(t_next + 0.1).xyxy
    )


def test_reset_forgets_tracks_and_never_reuses_ids() -> None:
    movers = [Mover((100, 100), (50, 0)), Mover((400, 300), (-50, 0))]
    tracker = ByteTracker()

    def run() -> set[int]:
        ids: set[int] = set()
        for frame in range(0, 30, STRIDE):
            sent = detections([m.box(frame / FPS) for m in movers])
            ids |= set(tracker.update(sent, frame / FPS).track_id.tolist())
        return ids

    before = run()
    tracker.reset()
    assert len(tracker.predict(0.0)) == 0
    after = run()  # same scene, same pts again: a looping file
    assert len(before) == len(after) == 2
    assert min(after) > max(before)


@pytest.mark.parametrize(
    ("y_gap", "speed", "miss_while_overlapping"),
    [
        (30.0, 150.0, False),
        (20.0, 250.0, False),
        (30.0, 150.0, True),  # the front car hides the back one while they overlap
    ],
)
def test_crossing_objects_keep_their_ids(
    y_gap: float, speed: float, miss_while_overlapping: bool
) -> None:
    left_to_right = Mover((100, 200), (speed, 0))
    right_to_left = Mover((540, 200 + y_gap), (-speed, 0))
    tracker = ByteTracker()
    history: list[list[int]] = []
    for frame in range(0, int(FPS * 440 / speed) + 1, STRIDE):
        t = frame / FPS
        a, b = left_to_right.box(t), right_to_left.box(t)
        overlapping = iou(a, b) > 0
        boxes = [a] if miss_while_overlapping and overlapping else [a, b]
        sent = detections(boxes)
        ids = id_per_row(sent, tracker.update(sent, t))
        if frame:
            history.append(ids)
    assert history[0] == history[-1]
    assert len(set(history[0])) == 2
    assert all(ids[0] == history[0][0] for ids in history)


@pytest.mark.parametrize(
    ("gap_s", "stride", "same_id"),
    [
        (1.0, 3, True),
        (1.4, 1, True),
        (1.4, 12, True),
        (1.8, 3, False),  # unseen longer than lost_track_buffer_s (1.5 s): a new track
        (1.6, 12, False),
    ],
)
def test_lost_tracks_expire_after_the_buffer_in_source_time(
    gap_s: float, stride: int, same_id: bool
) -> None:
    parked = detections([Mover((300, 200), (0, 0)).box(0)])
    tracker = ByteTracker()
    step = stride / FPS
    tracker.update(parked, 0.0)
    (first_id,) = tracker.update(parked, step).track_id.tolist()
    t = 2 * step
    while t - step < gap_s:  # unseen time at the next update is t - step
        tracker.update(Detections.empty(), t)
        t += step
    (again_id,) = tracker.update(parked, t).track_id.tolist() or [NO_TRACK]
    if same_id:
        assert again_id == first_id
    else:
        assert again_id != first_id  # a fresh tentative track is not even returned yet


def test_a_track_reports_its_majority_class() -> None:
    car = Mover((200, 200), (40, 0))
    tracker = ByteTracker()
    classes = [2, 2, 7, 2, 7, 2]  # a detector flickering between car and truck
    for n, class_id in enumerate(classes):
        t = n * STRIDE / FPS
        out = tracker.update(detections([car.box(t)], class_id=class_id), t)
        if n:
            assert out.class_id.tolist() == [2]
    assert tracker.predict(t).class_id.tolist() == [2]


@pytest.mark.parametrize("min_hits", [1, 2, 3])
def test_a_track_gets_its_id_after_min_hits_matches(min_hits: int) -> None:
    car = Mover((200, 200), (80, 0))
    tracker = ByteTracker(TrackerSettings(min_hits=min_hits))
    returned = []
    for n in range(5):
        t = n * STRIDE / FPS
        returned.append(len(tracker.update(detections([car.box(t)]), t)))
    assert returned == [0] * (min_hits - 1) + [1] * (6 - min_hits)
