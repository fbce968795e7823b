"""The pipeline's plate stage: vehicle tracks of an ALPR camera -> OCR where a better read is
needed (bounded per frame by PlateTrackReader) -> one finished plate per track at its end,
handed to a recorder that applies the privacy policy and stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from engine.alpr.reader import PlateRead
from engine.alpr.voting import PlateTrackReader, TrackPlate, VotedPlate
from engine.domain import Detections, Event, Frame


@dataclass(frozen=True)
class TimedRead:
    """One successful read with the frame's times."""

    frame_index: int
    pts: float
    captured_at: datetime
    read: PlateRead


@dataclass(frozen=True)
class FinishedPlate:
    """A track's voted plate with what storing it needs: its reads, the frame of its best
    read (the snapshot) and the vehicle there."""

    camera_id: str
    site: str
    track_id: int
    plate: VotedPlate
    reads: tuple[TimedRead, ...]
    best: TimedRead
    image: np.ndarray
    vehicle_box: tuple[float, float, float, float]
    vehicle_score: float
    class_id: int
    class_name: str
    first_seen: datetime
    last_seen: datetime


class PlateRecorder(Protocol):
    def record(self, finished: FinishedPlate) -> Event | None: ...


@dataclass
class _Track:
    first_seen: datetime
    last_seen: datetime
    reads: list[TimedRead] = field(default_factory=list)
    best: TimedRead | None = None
    image: np.ndarray | None = None
    vehicle_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    vehicle_score: float = 0.0
    class_id: int = 0


class PlateTrackStage:
    """`update` per analysed frame with the tracker's output; returns the plate events of the
    tracks that ended (unseen for `lost_after_s` of source time). Only the frame of each
    track's best read so far is kept, so memory stays one frame per open track."""

    def __init__(
        self,
        tracks: PlateTrackReader,
        recorder: PlateRecorder,
        camera_id: str,
        class_names: dict[int, str],
        *,
        site: str = "local",
        lost_after_s: float = 1.5,
    ) -> None:
        self.tracks = tracks
        self._recorder = recorder
        self._camera_id = camera_id
        self._names = class_names
        self._site = site
        self._lost_after_s = lost_after_s
        self._open: dict[int, _Track] = {}

    def update(self, frame: Frame, tracked: Detections) -> list[Event]:
        read_ids = set(self.tracks.update(frame, tracked))
        rows = {
            int(tracked.track_id[i]): int(i)
            for i in np.flatnonzero(~tracked.predicted & (tracked.track_id >= 0))
        }
        for tid, row in rows.items():
            track = self._open.get(tid)
            if track is not None:
                track.last_seen = frame.captured_at
            if tid in read_ids:
                self._take_reads(tid, frame, tracked, row)
        return self._record(self.tracks.expire(frame.pts, self._lost_after_s))

    def current_texts(self, shown: Detections) -> dict[int, str]:
        """Track id -> the plate voted so far, for the tracks in `shown` that have one (the
        wall draws it under the vehicle, on analysed and predicted frames alike)."""
        texts = {}
        for tid in {int(t) for t in shown.track_id if t >= 0}:
            voted = self.tracks.current(tid)
            if voted is not None and voted.text:
                texts[tid] = voted.text
        return texts

    def close_all(self) -> list[Event]:
        """The stream ended or jumped: every open track ends."""
        return self._record(self.tracks.close_all())

    def reset(self) -> None:
        self.tracks.reset()
        self._open.clear()

    def _take_reads(self, tid: int, frame: Frame, tracked: Detections, row: int) -> None:
        history = self.tracks.reads(tid)
        track = self._open.get(tid)
        if not history or (track is not None and len(history) == len(track.reads)):
            return  # this frame's attempt found no plate
        index, read = history[-1]
        timed = TimedRead(index, frame.pts, frame.captured_at, read)
        if track is None:
            track = self._open[tid] = _Track(frame.captured_at, frame.captured_at)
        track.reads.append(timed)
        voted = self.tracks.current(tid)
        agrees = voted is None or read.text == voted.text
        best = track.best
        if best is None or (
            agrees and (best.read.text != read.text or read.score > best.read.score)
        ):
            track.best, track.image = timed, frame.image
            track.vehicle_box = tuple(float(v) for v in tracked.xyxy[row])  # type: ignore[assignment]
            track.vehicle_score = float(tracked.score[row])
            track.class_id = int(tracked.class_id[row])

    def _record(self, results: list[TrackPlate]) -> list[Event]:
        events = []
        for result in results:
            track = self._open.pop(result.track_id, None)
            if track is None or track.best is None or track.image is None:
                continue
            finished = FinishedPlate(
                camera_id=self._camera_id,
                site=self._site,
                track_id=result.track_id,
                plate=result.plate,
                reads=tuple(track.reads),
                best=track.best,
                image=track.image,
                vehicle_box=track.vehicle_box,
                vehicle_score=track.vehicle_score,
                class_id=track.class_id,
                class_name=self._names.get(track.class_id, str(track.class_id)),
                first_seen=track.first_seen,
                last_seen=track.last_seen,
            )
            event = self._recorder.record(finished)
            if event is not None:
                events.append(event)
        # Tracks the reader closed without a plate leave nothing behind here either.
        for tid in [t for t in self._open if self.tracks.current(t) is None]:
            del self._open[tid]
        return events
