"""ORM tables. Times are stored in UTC and always read back tz-aware; floats are stored as
double precision so a value read back is the value written, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Dialect, Double, Index, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in as any aware datetime (naive means UTC, as in the domain types)
    and comes out as an aware UTC datetime. SQLite keeps no zone, so it gets naive UTC text,
    whose lexical order is then also time order."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every Sentinel table (its metadata is what migrations must match)."""


class CameraRow(Base):
    """A configured camera; `detection` holds the DetectionSettings as JSON."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    site: Mapped[str] = mapped_column(String, default="local")
    loop: Mapped[bool] = mapped_column(Boolean, default=False)
    detection: Mapped[dict[str, Any]] = mapped_column(JSON)
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now)


class EventRow(Base):
    """One stored event. camera_id is deliberately not a foreign key: edge nodes send events of
    cameras this database may not know, and removing a camera keeps its history."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_camera_id_timestamp", "camera_id", "timestamp"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    site: Mapped[str] = mapped_column(String, default="local")
    camera_id: Mapped[str] = mapped_column(String, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    track_id: Mapped[int] = mapped_column(Integer)
    class_name: Mapped[str] = mapped_column(String)
    class_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Double)
    x1: Mapped[float] = mapped_column(Double)
    y1: Mapped[float] = mapped_column(Double)
    x2: Mapped[float] = mapped_column(Double)
    y2: Mapped[float] = mapped_column(Double)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    pts: Mapped[float] = mapped_column(Double)
    snapshot: Mapped[str | None] = mapped_column(String)
    snapshot_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Feature tables live in their own modules; importing them here puts them on Base.metadata,
# which Alembic's compare and the contracts generator read.
from engine.storage import (  # noqa: E402,F401,I001
    models_access,
    models_alpr,
    models_devices,
    models_ingest,
    models_leases,
)
