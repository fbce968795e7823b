"""Messages of the live event stream (`GET /ws/events`), one JSON object each, told apart by
`type`. Seed 002's DetectionEvent in our contract's names: `camera_id`, UTC `timestamp`, `pts`,
detection records (`class`, `class_id`, `score`, `box` x1,y1,x2,y2 source pixels, `track_id`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.domain.camera import CameraStatus
from engine.domain.event import Event
from engine.domain.frame_result import FrameResult


class LiveDetections(BaseModel):
    """One analysed frame of one camera (predicted in-between frames are not sent)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["detections"] = "detections"
    camera_id: str
    timestamp: datetime = Field(description="UTC wall time the frame was captured")
    pts: float = Field(description="source presentation time in seconds")
    frame: int = Field(description="decode index since the source opened")
    detections: list[dict[str, Any]] = Field(
        description="one detection record per box (class, class_id, score, box, track_id)"
    )

    @classmethod
    def of(cls, result: FrameResult) -> LiveDetections:
        frame = result.frame
        return cls(
            camera_id=frame.camera_id,
            timestamp=frame.captured_at,
            pts=round(frame.pts, 6),
            frame=frame.index,
            detections=result.detections.to_records(result.class_names),
        )


class LiveEvent(BaseModel):
    """A track event as the caller may see it: the stored Event after the field policy
    (protected fields masked without plates.view), exactly as `GET /events/{id}` shows it."""

    model_config = ConfigDict(frozen=True)

    type: Literal["event"] = "event"
    camera_id: str
    event: Event


class LiveStatus(BaseModel):
    """A camera's state changed (connecting, live, reconnecting, stopped, failed), as
    `GET /api/cameras/{id}/status` would now answer."""

    model_config = ConfigDict(frozen=True)

    type: Literal["status"] = "status"
    camera_id: str
    status: CameraStatus


class LiveDropped(BaseModel):
    """This subscriber was too slow: `count` older messages were dropped before the next one."""

    type: Literal["dropped"] = "dropped"
    count: int


class LivePong(BaseModel):
    """Answer to a client's `{"type": "ping"}`, sent after every message queued before it."""

    type: Literal["pong"] = "pong"


LiveMessage = LiveDetections | LiveEvent | LiveStatus | LiveDropped | LivePong
