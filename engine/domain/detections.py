"""Detections: the one value type on the hot path (parallel numpy arrays, like supervision's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NO_TRACK = -1


def _empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@dataclass
class Detections:
    """N boxes in source pixels (x1, y1, x2, y2) with score, class and track id per row.

    `predicted` marks rows that come from the tracker's motion model rather than a measurement
    on this frame; overlays style them differently.
    """

    xyxy: np.ndarray = field(default_factory=lambda: _empty((0, 4), np.float32))
    score: np.ndarray = field(default_factory=lambda: _empty((0,), np.float32))
    class_id: np.ndarray = field(default_factory=lambda: _empty((0,), np.int32))
    track_id: np.ndarray = field(default_factory=lambda: _empty((0,), np.int64))
    predicted: np.ndarray = field(default_factory=lambda: _empty((0,), bool))

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.score = np.asarray(self.score, dtype=np.float32).reshape(-1)
        self.class_id = np.asarray(self.class_id, dtype=np.int32).reshape(-1)
        if len(self.track_id) == 0 and n:
            self.track_id = np.full(n, NO_TRACK, dtype=np.int64)
        self.track_id = np.asarray(self.track_id, dtype=np.int64).reshape(-1)
        if len(self.predicted) == 0 and n:
            self.predicted = np.zeros(n, dtype=bool)
        self.predicted = np.asarray(self.predicted, dtype=bool).reshape(-1)
        lengths = {len(self.score), len(self.class_id), len(self.track_id), len(self.predicted)}
        if lengths != {n}:
            raise ValueError(f"Detections arrays disagree in length: boxes {n}, others {lengths}")

    @classmethod
    def empty(cls) -> Detections:
        return cls()

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: Any) -> Detections:
        """Select rows by boolean mask, integer array or slice."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            xyxy=self.xyxy[index],
            score=self.score[index],
            class_id=self.class_id[index],
            track_id=self.track_id[index],
            predicted=self.predicted[index],
        )

    @classmethod
    def merge(cls, parts: list[Detections]) -> Detections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            score=np.concatenate([p.score for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            track_id=np.concatenate([p.track_id for p in parts]),
            predicted=np.concatenate([p.predicted for p in parts]),
        )

    @property
    def area(self) -> np.ndarray:
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        return wh[:, 0] * wh[:, 1]

    def to_records(self, class_names: dict[int, str]) -> list[dict[str, Any]]:
        """The contract's JSON shape: class, class_id, score, box, track_id (None if untracked)."""
        records = []
        for i in range(len(self)):
            cid = int(self.class_id[i])
            tid = int(self.track_id[i])
            records.append(
                {
                    "class": class_names.get(cid, str(cid)),
                    "class_id": cid,
                    "score": round(float(self.score[i]), 4),
                    "box": [round(float(v), 1) for v in self.xyxy[i]],
                    "track_id": None if tid == NO_TRACK else tid,
                }
            )
        return records


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two box arrays (N,4) and (M,4) -> (N,M)."""
    a = np.asarray(a, dtype=np.float32).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)
