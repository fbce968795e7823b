"""The `detections` data channel: one JSON message per relayed frame.

Pairing a picture with its detections: the relay sends a stream's packets with RTP time
`tick = round((pts - first_pts) * 90000) mod 2**32`, first_pts being the pts of the stream's
first packet (a keyframe), and writes the tick into each packet as an SEI message
(engine.relay.sei) that the viewer's decoder hands back with the frame. Without it, aiortc
counts a receiver's frame pts from the first frame it got, so `pts mod 2**32` is the tick when
nothing was lost before it. Each message names its tick and carries the source pts exactly,
so the remote FrameResult has the very pts the engine's own result has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.domain import Detections, Frame, FrameResult
from engine.domain.detections import NO_TRACK

RTP_CLOCK = 90_000
TICK_MASK = 0xFFFFFFFF


def rtp_tick(pts: float, first_pts: float) -> int:
    """The 32-bit RTP time of `pts` in a stream whose first packet had `first_pts`."""
    return round((pts - first_pts) * RTP_CLOCK) & TICK_MASK


class DetectionRecord(BaseModel):
    """One box: source pixels x1, y1, x2, y2; `predicted` for the tracker's estimate."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    box: tuple[float, float, float, float]
    class_name: str = Field(alias="class")
    class_id: int
    score: float
    track_id: int | None
    predicted: bool


class FrameDetections(BaseModel):
    """What the engine knows of one relayed frame (its FrameResult without the picture)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["frame"] = "frame"
    tick: int = Field(ge=0, le=TICK_MASK, description="RTP time of the frame (90 kHz)")
    pts: float = Field(description="source presentation time in seconds (the pairing key)")
    index: int = Field(description="decode index since the source opened")
    timestamp: datetime = Field(description="UTC wall time the frame was captured")
    discontinuity: bool = False
    analysed: bool = Field(description="measured boxes; else the tracker's prediction")
    detections: list[DetectionRecord] = Field(default_factory=list)
    plates: dict[int, str] = Field(default_factory=dict, description="track id -> plate read")

    @classmethod
    def of(cls, result: FrameResult, tick: int) -> FrameDetections:
        det, names, frame = result.detections, result.class_names, result.frame
        records = [
            DetectionRecord.model_validate(
                {
                    "box": [float(v) for v in det.xyxy[i]],  # float32 -> float: exact
                    "class": names.get(int(det.class_id[i]), str(int(det.class_id[i]))),
                    "class_id": int(det.class_id[i]),
                    "score": float(det.score[i]),
                    "track_id": None if det.track_id[i] == NO_TRACK else int(det.track_id[i]),
                    "predicted": bool(det.predicted[i]),
                }
            )
            for i in range(len(det))
        ]
        return cls(
            tick=tick,
            pts=frame.pts,
            index=frame.index,
            timestamp=frame.captured_at,
            discontinuity=frame.discontinuity,
            analysed=result.analysed,
            detections=records,
            plates=result.plates,
        )

    def result(self, image: np.ndarray, camera_id: str) -> FrameResult:
        """The FrameResult of this message with its decoded picture."""
        rows = self.detections
        detections = Detections(
            xyxy=np.array([r.box for r in rows], np.float32).reshape(-1, 4),
            score=np.array([r.score for r in rows], np.float32),
            class_id=np.array([r.class_id for r in rows], np.int32),
            track_id=np.array(
                [NO_TRACK if r.track_id is None else r.track_id for r in rows], np.int64
            ),
            predicted=np.array([r.predicted for r in rows], bool),
        )
        names = {r.class_id: r.class_name for r in rows}
        frame = Frame(image, self.index, self.pts, self.timestamp, camera_id, self.discontinuity)
        return FrameResult(frame, detections, self.analysed, [], names, dict(self.plates))
