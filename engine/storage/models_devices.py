"""Device tables (#5): `readings`, one row per sequenced device message, and `devices`, the
registry the gateway keeps from what devices publish."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Double, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base, UTCDateTime


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ReadingRow(Base):
    """One message a device published with a sequence number: a sensor value, a camera capture,
    a status/heartbeat or a command ack (`kind`). (device_id, boot, seq) is the key, so a QoS 1
    redelivery or a retained status seen again is stored once, and loss is the gaps in seq.
    `value`/`unit` hold sensor readings; `data` the rest of a non-sensor message."""

    __tablename__ = "readings"
    __table_args__ = (
        Index("ix_readings_device_id_kind_ts", "device_id", "kind", "ts"),
        Index("ix_readings_ts", "ts"),
    )

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    boot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str | None] = mapped_column(String(8))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DeviceRow(Base):
    """A device as last seen on the broker. `online` follows the retained status topic (the
    device's own status, or its last will published by the broker)."""

    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="esp32")
    firmware: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(64))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(String(64))
    boot: Mapped[int | None] = mapped_column(Integer)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now)
