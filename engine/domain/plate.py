"""Plate events (one per vehicle track) and the per-frame plate reads behind them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Characters a camera confuses; the folded key maps each pair to one class (the digit).
LOOKALIKE_TO_DIGIT = {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}
_FOLD = str.maketrans(LOOKALIKE_TO_DIGIT)


def fold_plate_key(text: str) -> str:
    """The one key for watchlist, HMAC and fuzzy matching: uppercase ASCII letters and digits,
    look-alikes folded, so '4XXF538', '4xx f538' and '4XXF5S8' give the same key."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum()).translate(_FOLD)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class PlateEvent(BaseModel):
    """One plate per vehicle track, voted over its frames. The id is made by the producer, so a
    replay is an insert-or-ignore. Under a redacting policy `text`, `raw_text` and `folded`
    are None and only `plate_hmac` (keyed HMAC of the folded text) is kept."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    camera_id: str
    track_id: int
    site: str = "local"
    text: str | None = Field(default=None, description="normalised plate text")
    raw_text: str | None = Field(default=None, description="recogniser output of the best read")
    folded: str | None = Field(default=None, description="look-alike folded key (fold_key)")
    plate_hmac: str | None = Field(default=None, description="keyed HMAC of the folded text")
    region: str = "generic"
    confidence: float = Field(ge=0.0, le=1.0, description="agreement-aware vote confidence")
    quality: float = Field(default=0.0, ge=0.0, le=1.0, description="best crop's quality")
    crop: str | None = Field(default=None, description="blob key of the best plate crop")
    first_seen: datetime
    last_seen: datetime
    frames: int = Field(default=1, ge=1, description="frames with a read that were voted")
    watchlist_hit: bool = False
    box: tuple[float, float, float, float] | None = Field(
        default=None, description="best read's plate x1, y1, x2, y2 in its snapshot's pixels"
    )

    @field_validator("first_seen", "last_seen")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class PlateRead(BaseModel):
    """One frame's read of a plate event."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    frame_index: int
    pts: float
    text: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    box: tuple[float, float, float, float] = Field(description="plate x1, y1, x2, y2 in pixels")
    read_at: datetime

    @field_validator("read_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class PlateInfo(BaseModel):
    """The plate fields a plate event (an Event of kind 'plate') carries when read: the text as
    the reader may see it (masked without plates.view, None when stored redacted)."""

    model_config = ConfigDict(frozen=True)

    text: str | None = Field(default=None, description="normalised plate text")
    raw_text: str | None = Field(default=None, description="recogniser output of the best read")
    region: str = "generic"
    confidence: float = Field(ge=0.0, le=1.0, description="agreement-aware vote confidence")
    quality: float = Field(default=0.0, ge=0.0, le=1.0, description="best crop's quality")
    reads: int = Field(default=1, ge=1, description="frames with a read that were voted")
    crop: str | None = Field(default=None, description="blob key of the best plate crop")
    box: tuple[float, float, float, float] | None = Field(
        default=None, description="plate x1, y1, x2, y2 in the event snapshot's pixels"
    )
    watchlist_hit: bool = False
    redacted: bool = Field(default=False, description="stored only as a keyed HMAC")

    @classmethod
    def of(cls, event: PlateEvent) -> PlateInfo:
        return cls(
            text=event.text,
            raw_text=event.raw_text,
            region=event.region,
            confidence=event.confidence,
            quality=event.quality,
            reads=event.frames,
            crop=event.crop,
            box=event.box,
            watchlist_hit=event.watchlist_hit,
            redacted=event.text is None and event.plate_hmac is not None,
        )


class PlateRecord(BaseModel):
    """A plate event with its per-frame reads: what a track's end stores, or spools while the
    database is away (the spool needs `id` and `camera_id` of what it holds)."""

    plate: PlateEvent
    reads: list[PlateRead] = Field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.plate.id

    @property
    def camera_id(self) -> str:
        return self.plate.camera_id
