"""Per-track plate voting and the bounded-cost reader that feeds it.

Reads of one track are aligned by length (the confidence-weighted mode length) and voted per
character position, each vote weighted by that character's probability. The event confidence
is the geometric mean over positions of the winner's mean probability across all reads of the
track (a read that disagrees counts as 0 for that position), times the share of reads that had
the voted length: one clean read scores its own confidence, frames that disagree lower it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.alpr.normalize import normalize
from engine.alpr.reader import PlateRead, PlateReader
from engine.domain import Detections, Frame


@dataclass(frozen=True)
class VotedPlate:
    """A track's plate: voted text, per-char confidence, agreement-aware confidence, best read."""

    text: str
    char_conf: tuple[float, ...]
    confidence: float
    reads: int
    agreeing: int
    best: PlateRead


def vote(reads: Sequence[PlateRead], region: str = "auto") -> VotedPlate | None:
    """Character-position vote over the reads of one track; None when there are none."""
    if not reads:
        return None
    weight_by_length: dict[int, float] = defaultdict(float)
    for read in reads:
        weight_by_length[len(read.text)] += read.confidence
    length = max(weight_by_length, key=lambda n: (weight_by_length[n], n))
    aligned = [r for r in reads if len(r.text) == length]
    chars, conf = [], []
    for position in range(length):
        ballot: dict[str, float] = defaultdict(float)
        for read in aligned:
            ballot[read.text[position]] += read.char_probs[position]
        winner = max(ballot, key=ballot.__getitem__)
        chars.append(winner)
        conf.append(ballot[winner] / len(aligned))
    text = "".join(chars)
    # The vote may mix layouts' fixes; normalising again keeps the result a valid format.
    fit = normalize(text, region, conf)
    if fit is not None and len(fit.text) == length:
        text = fit.text
    agreement = len(aligned) / len(reads)
    confidence = float(np.exp(np.mean(np.log(np.clip(conf, 1e-6, 1.0))))) * agreement
    agreeing = sum(r.text == text for r in reads)
    best = max(aligned, key=lambda r: (r.text == text, r.score))
    return VotedPlate(text, tuple(conf), confidence, len(reads), agreeing, best)


def _relative_quad(quad: np.ndarray | None, box: tuple[float, ...]) -> np.ndarray | None:
    if quad is None:
        return None
    x1, y1, x2, y2 = box
    return (quad - np.float32([x1, y1])) / np.float32([max(x2 - x1, 1.0), max(y2 - y1, 1.0)])


@dataclass(frozen=True)
class PlateTrackSettings:
    max_reads: int = 8  # OCR attempts per track, plate or not
    confident: float = 0.75  # stop reading once the vote is this sure (agreement-aware)...
    min_agreeing: int = 2  # ...and at least this many reads agree
    min_box_width: float = 64.0  # px: smaller vehicles cannot show readable plates
    min_box_height: float = 48.0
    max_tracks_per_frame: int = 4  # cost cap when traffic is heavy: biggest vehicles first
    # A vehicle that shows no plate (side view, plate hidden, too far) is not read on every
    # analysed frame: after a miss the next try waits retry_after_s, doubling per miss in a row,
    # and max_misses misses in a row end its reading. Bounds the cost of plate-less traffic.
    retry_after_s: float = 0.3
    max_misses: int = 3
    vehicle_classes: frozenset[int] = frozenset({2, 3, 5, 7})  # COCO car, motorcycle, bus, truck


@dataclass
class _TrackState:
    attempts: int = 0
    reads: list[PlateRead] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    voted: VotedPlate | None = None
    done: bool = False
    last_pts: float = 0.0
    misses: int = 0  # failed reads in a row
    next_try: float = float("-inf")  # source pts before which it is not read again
    # Last good plate quad relative to its vehicle box (fractions of width/height): the next
    # read recognises it there directly instead of running the text detector again.
    hint: np.ndarray | None = None


@dataclass(frozen=True)
class TrackPlate:
    """The one plate result of a finished (or still open) track."""

    track_id: int
    plate: VotedPlate
    frames: tuple[int, ...]


class PlateTrackReader:
    """Decides which tracks still need OCR, reads them in one batch, votes per track."""

    def __init__(
        self, reader: PlateReader | None = None, settings: PlateTrackSettings | None = None
    ) -> None:
        self.reader = reader or PlateReader()
        self.settings = settings or PlateTrackSettings()
        self._tracks: dict[int, _TrackState] = {}
        self.ocr_calls = 0

    def needs_read(self, detections: Detections) -> list[int]:
        """Row indices of measured vehicle tracks worth an OCR attempt now, biggest first."""
        s = self.settings
        rows = []
        for i in range(len(detections)):
            tid = int(detections.track_id[i])
            if tid < 0 or detections.predicted[i]:
                continue
            if int(detections.class_id[i]) not in s.vehicle_classes:
                continue
            x1, y1, x2, y2 = detections.xyxy[i]
            if x2 - x1 < s.min_box_width or y2 - y1 < s.min_box_height:
                continue
            state = self._tracks.get(tid)
            if state is not None and (
                state.done
                or state.attempts >= s.max_reads
                or state.misses >= s.max_misses
                or state.last_pts < state.next_try
            ):
                continue
            rows.append(i)
        rows.sort(key=lambda i: -float(detections.area[i]))
        return rows[: s.max_tracks_per_frame]

    def update(self, frame: Frame, detections: Detections) -> list[int]:
        """Read the tracks that need it on this frame; returns the track ids that were read."""
        for i in range(len(detections)):
            tid = int(detections.track_id[i])
            if tid >= 0 and not detections.predicted[i]:
                self._tracks.setdefault(tid, _TrackState()).last_pts = frame.pts
        rows = self.needs_read(detections)
        if not rows:
            return []
        boxes = [tuple(float(v) for v in detections.xyxy[i]) for i in rows]
        hints = [
            self._hint(int(detections.track_id[i]), box) for i, box in zip(rows, boxes, strict=True)
        ]
        results = self.reader.read_boxes(frame.image, boxes, hints)
        self.ocr_calls += len(rows)
        read_ids = []
        for i, box, result in zip(rows, boxes, results, strict=True):
            tid = int(detections.track_id[i])
            state = self._tracks.setdefault(tid, _TrackState())
            state.attempts += 1
            read_ids.append(tid)
            if result is None:
                state.hint = None  # the plate moved or is hidden: search the box again
                state.misses += 1
                state.next_try = frame.pts + self.settings.retry_after_s * 2 ** (state.misses - 1)
                continue
            state.misses = 0
            state.hint = _relative_quad(result.quad, box)
            state.reads.append(result)
            state.frames.append(frame.index)
            state.voted = vote(state.reads, self.reader.settings.region)
            s = self.settings
            if (
                state.voted is not None
                and state.voted.confidence >= s.confident
                and state.voted.agreeing >= s.min_agreeing
            ):
                state.done = True
        return read_ids

    def _hint(self, track_id: int, box: tuple[float, ...]) -> np.ndarray | None:
        state = self._tracks.get(track_id)
        if state is None or state.hint is None:
            return None
        x1, y1, x2, y2 = box
        return state.hint * np.float32([x2 - x1, y2 - y1]) + np.float32([x1, y1])

    def current(self, track_id: int) -> VotedPlate | None:
        """The track's plate so far (for overlays), None before any read."""
        state = self._tracks.get(track_id)
        return state.voted if state else None

    def reads(self, track_id: int) -> list[tuple[int, PlateRead]]:
        """(frame index, read) of every successful read of an open track so far, oldest first."""
        state = self._tracks.get(track_id)
        return list(zip(state.frames, state.reads, strict=True)) if state else []

    def finish(self, track_id: int) -> TrackPlate | None:
        """Close one track: its one plate result, or None when it never showed one."""
        state = self._tracks.pop(track_id, None)
        if state is None or state.voted is None:
            return None
        return TrackPlate(track_id, state.voted, tuple(state.frames))

    def expire(self, pts: float, max_age: float = 2.0) -> list[TrackPlate]:
        """Close tracks unseen for `max_age` seconds of source time; their plate results."""
        stale = [tid for tid, st in self._tracks.items() if st.last_pts < pts - max_age]
        results = [self.finish(tid) for tid in sorted(stale)]
        return [r for r in results if r is not None]

    def close_all(self) -> list[TrackPlate]:
        results = [self.finish(tid) for tid in sorted(self._tracks)]
        return [r for r in results if r is not None]

    def reset(self) -> None:
        self._tracks.clear()
