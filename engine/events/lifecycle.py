"""Vehicle entered / left events from tracks, each with the best snapshot of its vehicle."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from engine.config import EventSettings
from engine.domain import Detections, Event, EventKind, Frame, utc_now


class SnapshotSaver(Protocol):
    def save(self, camera_id: str, image: np.ndarray) -> str: ...


@dataclass
class _TrackRecord:
    track_id: int
    first_pts: float
    last_pts: float
    hits: int = 0
    classes: Counter[int] = field(default_factory=Counter)
    best_quality: float = -1.0
    best_score: float = 0.0
    best_box: np.ndarray = field(default_factory=lambda: np.zeros(4, np.float32))
    best_image: np.ndarray | None = None
    best_pts: float = 0.0
    best_snapshot: str | None = None  # key of the saved best view, reused while it stays best
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    entered: bool = False

    @property
    def class_id(self) -> int:
        return self.classes.most_common(1)[0][0]


def _quality(box: np.ndarray, score: float, width: int, height: int) -> float:
    """Prefer confident, large views that are not cut by the frame edge."""
    area = float(max(box[2] - box[0], 0) * max(box[3] - box[1], 0))
    margin = 2.0
    cut = (
        box[0] <= margin
        or box[1] <= margin
        or box[2] >= width - margin
        or box[3] >= height - margin
    )
    return score * np.sqrt(area) * (0.5 if cut else 1.0)


class TrackEventEmitter:
    """Turns measured tracks into events: 'entered' once a track of a watched class has been
    measured on `min_hits` analysed frames, 'left' once unseen for `lost_after_s` of source time
    (or when the stream ends or jumps). Both carry the best snapshot seen so far."""

    def __init__(
        self,
        camera_id: str,
        class_names: dict[int, str],
        settings: EventSettings,
        snapshots: SnapshotSaver,
        site: str = "local",
    ) -> None:
        self._camera_id = camera_id
        self._names = class_names
        self._settings = settings
        self._snapshots = snapshots
        self._site = site
        watched = set(settings.classes)
        self._watched = {cid for cid, name in class_names.items() if name in watched}
        self._tracks: dict[int, _TrackRecord] = {}

    def update(self, frame: Frame, tracked: Detections) -> list[Event]:
        """Feed the tracker's measured output of one analysed frame."""
        events: list[Event] = []
        for i in np.flatnonzero(~tracked.predicted & (tracked.track_id >= 0)):
            if int(tracked.class_id[i]) not in self._watched:
                continue
            events.extend(self._observe(frame, tracked, int(i)))
        for record in [
            r for r in self._tracks.values() if frame.pts - r.last_pts > self._settings.lost_after_s
        ]:
            events.extend(self._finish(record))
        return events

    def close_all(self) -> list[Event]:
        """The stream ended or jumped: every open track has left."""
        events: list[Event] = []
        for record in list(self._tracks.values()):
            events.extend(self._finish(record))
        return events

    def _observe(self, frame: Frame, tracked: Detections, i: int) -> list[Event]:
        tid = int(tracked.track_id[i])
        record = self._tracks.get(tid)
        if record is None:
            record = self._tracks[tid] = _TrackRecord(tid, frame.pts, frame.pts)
        record.hits += 1
        record.last_pts = frame.pts
        record.first_seen = record.first_seen or frame.captured_at
        record.last_seen = frame.captured_at
        record.classes[int(tracked.class_id[i])] += 1
        box, score = tracked.xyxy[i], float(tracked.score[i])
        quality = _quality(box, score, frame.width, frame.height)
        if quality > record.best_quality:
            record.best_quality, record.best_score = quality, score
            record.best_box, record.best_image, record.best_pts = box.copy(), frame.image, frame.pts
            record.best_snapshot = None
        if not record.entered and record.hits >= self._settings.min_hits:
            record.entered = True
            return [self._event(record, EventKind.ENTERED)]
        return []

    def _finish(self, record: _TrackRecord) -> list[Event]:
        del self._tracks[record.track_id]
        return [self._event(record, EventKind.LEFT)] if record.entered else []

    def _event(self, record: _TrackRecord, kind: EventKind) -> Event:
        """`pts` and `timestamp` say when it happened (first or last measured frame); `box`,
        `score` and `snapshot` show the track's best view so far."""
        if record.best_snapshot is None and record.best_image is not None:
            record.best_snapshot = self._snapshots.save(self._camera_id, record.best_image)
        entered = kind is EventKind.ENTERED
        cid = record.class_id
        return Event(
            camera_id=self._camera_id,
            site=self._site,
            kind=kind,
            track_id=record.track_id,
            class_name=self._names.get(cid, str(cid)),
            class_id=cid,
            score=min(max(record.best_score, 0.0), 1.0),
            box=tuple(float(v) for v in record.best_box),  # type: ignore[arg-type]
            pts=record.first_pts if entered else record.last_pts,
            timestamp=(record.first_seen if entered else record.last_seen) or utc_now(),
            snapshot=record.best_snapshot,
        )
