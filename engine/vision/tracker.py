"""ByteTrack multi-object tracker over Detections, with time in seconds of source time.

Association follows ByteTrack (Zhang et al., 2022): high-score detections are matched first
against every tracked and lost track, then low-score detections rescue the tracked tracks that
are still unmatched, then the remaining high-score detections confirm tentative tracks or start
new ones. Choices where this tracker differs from or pins down ByteTrack:

- Time is source time (pts, seconds): the Kalman filter steps by pts differences, and a lost
  track is dropped after `lost_track_buffer_s` seconds unseen, whatever the detection stride.
- A track is tentative until it has `min_hits` matches; a tentative track that misses one
  analysed frame is dropped (ByteTrack's rule). Public ids are handed out on confirmation, so
  one-frame false positives do not burn ids; ids are never reused within one tracker, even
  across `reset()`.
- Class: association is class-agnostic (detectors flicker between car and truck); a track's
  class is the score-weighted majority of its matched detections' classes, and returned rows
  carry that class so one id always shows one class.
- `update()` returns only the rows matched to confirmed tracks (ByteTrack returns activated
  tracks only); rows without a confirmed track are left out, not returned with NO_TRACK.
- A pts earlier than the previous update is a discontinuity the caller missed: the tracker
  resets itself rather than extrapolating backwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import lap
import numpy as np
from pydantic import BaseModel, Field, model_validator

from engine.domain import NO_TRACK, Detections, box_iou
from engine.vision.kalman import KalmanBoxFilter, xyxy_to_xyah

# ByteTrack's fixed cost limits for the second (low-score) and tentative-track associations.
_LOW_SCORE_MATCH_COST = 0.5
_TENTATIVE_MATCH_COST = 0.7


class TrackerSettings(BaseModel):
    """Thresholds of the ByteTrack association; scores are detector confidences in [0, 1]."""

    high_threshold: float = Field(default=0.5, ge=0.0, le=1.0, description="first-stage scores")
    low_threshold: float = Field(
        default=0.1, ge=0.0, le=1.0, description="scores in [low, high) only extend tracks"
    )
    new_track_threshold: float = Field(
        default=0.6, ge=0.0, le=1.0, description="an unmatched detection starts a track"
    )
    match_iou: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="first-stage cost limit on 1 - IoU*score (ByteTrack's match_thresh)",
    )
    lost_track_buffer_s: float = Field(
        default=1.5, ge=0.0, description="seconds of source time a lost track is kept"
    )
    min_hits: int = Field(default=2, ge=1, description="matches before a track gets its id")

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> TrackerSettings:
        if self.low_threshold > self.high_threshold:
            raise ValueError("low_threshold must not exceed high_threshold")
        return self


class _State(enum.Enum):
    TENTATIVE = "tentative"
    TRACKED = "tracked"
    LOST = "lost"


@dataclass(eq=False)
class _Track:
    kf: KalmanBoxFilter
    score: float
    last_seen: float
    state: _State
    track_id: int = NO_TRACK
    hits: int = 1
    class_votes: dict[int, float] = field(default_factory=dict)

    @property
    def class_id(self) -> int:
        # dicts keep insertion order, so a tie goes to the class seen first.
        return max(self.class_votes, key=self.class_votes.__getitem__)

    def vote(self, class_id: int, score: float) -> None:
        self.class_votes[class_id] = self.class_votes.get(class_id, 0.0) + score


def _associate(
    tracks: list[_Track], boxes: np.ndarray, scores: np.ndarray, cost_limit: float, fuse: bool
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Min-cost matching on 1 - IoU (times the score when `fuse`, like ByteTrack's
    fuse_score). Returns (track, box) index pairs, unmatched tracks, unmatched boxes."""
    if not tracks or len(boxes) == 0:
        return [], list(range(len(tracks))), list(range(len(boxes)))
    iou = box_iou(np.stack([t.kf.box() for t in tracks]), boxes).astype(np.float64)
    if fuse:
        iou = iou * scores[None, :]
    _, row_to_col, col_to_row = lap.lapjv(1.0 - iou, extend_cost=True, cost_limit=cost_limit)
    matches = [(int(r), int(c)) for r, c in enumerate(row_to_col) if c >= 0]
    unmatched_tracks = [int(r) for r, c in enumerate(row_to_col) if c < 0]
    unmatched_boxes = [int(c) for c, r in enumerate(col_to_row) if r < 0]
    return matches, unmatched_tracks, unmatched_boxes


class ByteTracker:
    """Assigns persistent track ids to detections of one camera (one tracker per stream)."""

    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._last_pts: float | None = None

    def reset(self) -> None:
        """Forget every track (video discontinuity); ids keep counting up."""
        self._tracks = []
        self._last_pts = None

    def update(self, detections: Detections, pts: float) -> Detections:
        """Associate this frame's detections at source time `pts` (seconds) with the tracks.

        Returns the rows matched to confirmed tracks, with track_id and the track's class set.
        """
        s = self.settings
        if self._last_pts is not None and pts < self._last_pts:
            self.reset()
        self._last_pts = pts

        self._expire(pts)  # before matching: an expired track must not be revived
        for track in self._tracks:
            track.kf.predict(pts)

        scores = detections.score.astype(np.float64)
        high = np.flatnonzero(scores >= s.high_threshold)
        low = np.flatnonzero((scores >= s.low_threshold) & (scores < s.high_threshold))
        track_of_row: dict[int, _Track] = {}

        # 1. High-score rows against tracked and lost tracks.
        pool = [t for t in self._tracks if t.state is not _State.TENTATIVE]
        matches, pool_left, high_left = _associate(
            pool, detections.xyxy[high], scores[high], s.match_iou, fuse=True
        )
        for ti, di in matches:
            track_of_row[int(high[di])] = pool[ti]
        high = high[high_left]

        # 2. Low-score rows rescue tracked tracks only: a lost track needs strong evidence.
        tracked_left = [pool[i] for i in pool_left if pool[i].state is _State.TRACKED]
        matches, tracked_unmatched, _ = _associate(
            tracked_left, detections.xyxy[low], scores[low], _LOW_SCORE_MATCH_COST, fuse=False
        )
        for ti, di in matches:
            track_of_row[int(low[di])] = tracked_left[ti]
        for ti in tracked_unmatched:
            tracked_left[ti].state = _State.LOST
            # ByteTrack: a lost box keeps its size rather than growing or shrinking blindly.
            tracked_left[ti].kf.stop_scaling()

        # 3. Remaining high-score rows confirm tentative tracks; unconfirmed ones die.
        tentative = [t for t in self._tracks if t.state is _State.TENTATIVE]
        matches, tentative_unmatched, high_left = _associate(
            tentative, detections.xyxy[high], scores[high], _TENTATIVE_MATCH_COST, fuse=True
        )
        for ti, di in matches:
            track_of_row[int(high[di])] = tentative[ti]
        dead = {id(tentative[ti]) for ti in tentative_unmatched}

        for row, track in track_of_row.items():
            self._apply(track, detections, row, pts)

        # 4. Unmatched confident rows start tracks; rows in [low, high) never reach here.
        for row in high[high_left]:
            if scores[row] >= s.new_track_threshold:
                track = _Track(
                    kf=KalmanBoxFilter(xyxy_to_xyah(detections.xyxy[row])[0], pts),
                    score=float(scores[row]),
                    last_seen=pts,
                    state=_State.TENTATIVE,
                )
                track.vote(int(detections.class_id[row]), float(scores[row]))
                self._confirm_if_ready(track)
                self._tracks.append(track)
                track_of_row[int(row)] = track

        self._tracks = [t for t in self._tracks if id(t) not in dead]
        self._expire(pts)

        rows = sorted(r for r, t in track_of_row.items() if t.state is _State.TRACKED)
        out = detections[np.asarray(rows, dtype=np.int64)]
        out.track_id = np.asarray([track_of_row[r].track_id for r in rows], dtype=np.int64)
        out.class_id = np.asarray([track_of_row[r].class_id for r in rows], dtype=np.int32)
        out.predicted = np.zeros(len(rows), dtype=bool)
        return out

    def predict(self, pts: float, include_lost: bool = False) -> Detections:
        """Boxes of the confirmed tracked tracks extrapolated to `pts`, flagged predicted.

        Does not change the tracker. `include_lost` adds lost tracks (coasting through an
        occlusion); overlays normally leave them out.
        """
        states = {_State.TRACKED, _State.LOST} if include_lost else {_State.TRACKED}
        tracks = [t for t in self._tracks if t.state in states]
        if not tracks:
            return Detections.empty()
        return Detections(
            xyxy=np.stack([t.kf.box(pts) for t in tracks]),
            score=np.asarray([t.score for t in tracks]),
            class_id=np.asarray([t.class_id for t in tracks]),
            track_id=np.asarray([t.track_id for t in tracks]),
            predicted=np.ones(len(tracks), dtype=bool),
        )

    def _expire(self, pts: float) -> None:
        buffer_s = self.settings.lost_track_buffer_s
        self._tracks = [
            t for t in self._tracks if not (t.state is _State.LOST and pts - t.last_seen > buffer_s)
        ]

    def _apply(self, track: _Track, detections: Detections, row: int, pts: float) -> None:
        score = float(detections.score[row])
        track.kf.update(xyxy_to_xyah(detections.xyxy[row])[0])
        track.score = score
        track.last_seen = pts
        track.hits += 1
        track.vote(int(detections.class_id[row]), score)
        if track.state is _State.LOST:
            track.state = _State.TRACKED
        self._confirm_if_ready(track)

    def _confirm_if_ready(self, track: _Track) -> None:
        if track.state is _State.TENTATIVE and track.hits >= self.settings.min_hits:
            track.state = _State.TRACKED
            track.track_id = self._next_id
            self._next_id += 1
