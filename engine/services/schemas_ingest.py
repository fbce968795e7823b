"""Boundary models of intake: POST /ingest events, the bus-worker envelope, upload answers."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_BATCH = 1000
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_CHARS = 1024
Scalar = str | int | float | bool | None
_SCALARS = frozenset({str, int, float, bool, type(None)})  # what JSON gives: checked first


class IngestEvent(BaseModel):
    """One event from an edge producer (seed 000's agent). `id` makes a retry harmless: send
    the same id again and it is reported as a duplicate, not stored twice. Fields beyond these
    (e.g. `plate_text`) are attributes: JSON scalars, governed by the field policy (source
    `ingest`). `event_type` is what allow/deny rules test; it defaults to `class_name`."""

    # NaN/inf boxes or times are refused (422), not stored for every later reader to trip on.
    model_config = ConfigDict(
        extra="allow", str_max_length=MAX_ATTRIBUTE_CHARS, allow_inf_nan=False
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    camera_id: str = Field(min_length=1, max_length=128)
    event_type: str | None = Field(default=None, max_length=64)
    kind: Literal["entered", "left"] = "entered"
    track_id: int = Field(default=0, ge=-(2**31), le=2**31 - 1)  # the column is 32-bit
    class_name: str = Field(min_length=1, max_length=64)
    class_id: int = Field(default=-1, ge=-1)
    score: float = Field(ge=0.0, le=1.0)
    box: tuple[float, float, float, float] = Field(description="x1, y1, x2, y2 in source pixels")
    timestamp: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    pts: float = 0.0
    snapshot: str | None = Field(default=None, max_length=512, description="key from /upload")

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # As Event stores it (naive means UTC): the intake writes events in Event's JSON form.
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @model_validator(mode="after")
    def _scalar_attributes(self) -> IngestEvent:
        extra = self.__pydantic_extra__
        if not extra:
            return self
        if len(extra) > MAX_ATTRIBUTES:
            raise ValueError(f"at most {MAX_ATTRIBUTES} extra fields per event")
        for name, value in extra.items():
            kind = type(value)
            if kind not in _SCALARS and not isinstance(value, Scalar):  # type: ignore[arg-type]
                raise ValueError(f"extra field {name!r} must be a string, number, bool or null")
            if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS:
                raise ValueError(f"extra field {name!r} is longer than {MAX_ATTRIBUTE_CHARS}")
        return self

    @property
    def type_of_event(self) -> str:
        return self.event_type or self.class_name

    def attributes(self) -> dict[str, Any]:
        """What the policy governs: the extra fields plus the event type."""
        return {"event_type": self.type_of_event, **(self.model_extra or {})}


class IngestMessage(BaseModel):
    """Seed 000's bus-worker envelope (Kafka or MQTT consumer -> POST /ingest/message): the
    topic it was read from and the message, one event or a list of events."""

    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=1, max_length=256)
    payload: IngestEvent | list[IngestEvent]
    key: str | None = Field(default=None, max_length=256, description="bus message key")
    received_at: datetime | None = None


class IngestOutcome(BaseModel):
    """What became of one event: stored, duplicate (same id already stored) or denied (its
    event type is not allowed by the policy; nothing stored)."""

    index: int
    id: uuid.UUID
    status: Literal["stored", "duplicate", "denied"]


class IngestResult(BaseModel):
    stored: int
    duplicates: int
    denied: int
    results: list[IngestOutcome]


class UploadPublic(BaseModel):
    """An uploaded image: put `key` in an event's `snapshot`."""

    key: str
    bytes: int
    width: int
    height: int
    content_type: str
