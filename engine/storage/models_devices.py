"""Device tables (#5): `readings`, one row per sequenced device message, `devices`, the
registry the gateway keeps from what devices publish (and the fleet API from registrations and
HTTP heartbeats), and `device_images`, the images devices upload."""

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
    """A device as last seen on the broker or over HTTP. `online` follows the retained status
    topic (the device's own status, or its last will published by the broker) or the status of
    its last HTTP heartbeat. A registered device has `key_prefix`: the device key bound to it
    (only that key may report for it). `config` is what the fleet API serves; each write bumps
    `config_version` so a device can tell it changed."""

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
    key_prefix: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    registered_by: Mapped[str | None] = mapped_column(String(160))
    heartbeat_interval_s: Mapped[float | None] = mapped_column(Double)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    config_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    config_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeviceImageRow(Base):
    """An image a device uploaded (seed 003's `POST /api/upload`). `filename` is the public name
    (`<32 hex>.<jpg|png|bmp>`), `blob_key` where the bytes are in the blob store."""

    __tablename__ = "device_images"
    __table_args__ = (
        Index("ix_device_images_device_id_uploaded_at", "device_id", "uploaded_at"),
        Index("ix_device_images_uploaded_at", "uploaded_at"),
    )

    filename: Mapped[str] = mapped_column(String(64), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(512))
    device_id: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[str] = mapped_column(String(160))
