"""Event: something a camera saw that is worth storing (a vehicle entered, left, or showed its
plate)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.domain.plate import PlateInfo


class EventKind(str, Enum):
    ENTERED = "entered"
    LEFT = "left"
    PLATE = "plate"  # one per vehicle track on an ALPR camera; `plate` holds its read


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Event(BaseModel):
    """A stored event. The id is made by whoever creates the event (engine, edge node), so a
    replay after an outage is an insert-or-ignore, never a duplicate."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    camera_id: str
    kind: EventKind
    track_id: int
    class_name: str = Field(description="COCO class name, e.g. 'car'")
    class_id: int
    score: float = Field(ge=0.0, le=1.0)
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in source pixels")
    timestamp: datetime = Field(default_factory=utc_now, description="UTC wall time")
    pts: float = Field(description="source presentation time in seconds")
    snapshot: str | None = Field(default=None, description="blob key of the best snapshot (JPEG)")
    site: str = Field(default="local", description="site that owns the camera")
    plate: PlateInfo | None = Field(default=None, description="plate events: the plate read")

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
