"""Plate tables (#6, seed 004): `plate_events` (one per vehicle track), `plate_reads` (the
per-frame reads behind one) and `watchlist` (plates to flag, by folded key and/or keyed HMAC)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import Boolean, Double, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base, UTCDateTime


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class PlateEventRow(Base):
    """One plate event. camera_id is no foreign key, as for `events`. `folded_len` lets fuzzy
    search narrow candidates by length on an index before the edit distance runs in Python."""

    __tablename__ = "plate_events"
    __table_args__ = (
        Index("ix_plate_events_last_seen", "last_seen"),
        Index("ix_plate_events_text", "text"),
        Index("ix_plate_events_folded_len", "folded_len", "folded"),
        Index("ix_plate_events_plate_hmac", "plate_hmac"),
        Index("ix_plate_events_camera_id_last_seen", "camera_id", "last_seen"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    site: Mapped[str] = mapped_column(String, default="local")
    camera_id: Mapped[str] = mapped_column(String)
    track_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(20))
    raw_text: Mapped[str | None] = mapped_column(String(40))
    folded: Mapped[str | None] = mapped_column(String(20))
    folded_len: Mapped[int | None] = mapped_column(Integer)
    plate_hmac: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Double)
    quality: Mapped[float] = mapped_column(Double)
    crop: Mapped[str | None] = mapped_column(String)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    frames: Mapped[int] = mapped_column(Integer)
    watchlist_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    # The best read's plate box in the event snapshot (0006): where a view without plates.view
    # is blurred.
    box_x1: Mapped[float | None] = mapped_column(Double)
    box_y1: Mapped[float | None] = mapped_column(Double)
    box_x2: Mapped[float | None] = mapped_column(Double)
    box_y2: Mapped[float | None] = mapped_column(Double)


class PlateReadRow(Base):
    """One frame's read of a plate event; deleted with its event."""

    __tablename__ = "plate_reads"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plate_events.id", ondelete="CASCADE"), primary_key=True
    )
    frame_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pts: Mapped[float] = mapped_column(Double)
    text: Mapped[str | None] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Double)
    x1: Mapped[float] = mapped_column(Double)
    y1: Mapped[float] = mapped_column(Double)
    x2: Mapped[float] = mapped_column(Double)
    y2: Mapped[float] = mapped_column(Double)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchlistRow(Base):
    """A plate to flag. Either key may be set: `folded` for clear entries, `plate_hmac` for
    entries (or events) kept only as the keyed HMAC of the folded text."""

    __tablename__ = "watchlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    folded: Mapped[str | None] = mapped_column(String(20), index=True)
    plate_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String)
    reason: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now)
