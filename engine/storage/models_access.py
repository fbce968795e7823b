"""Access-control tables: users, device keys and the audit log (#4)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base, UTCDateTime


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UserRow(Base):
    """A console user. `cameras` is a JSON list of camera ids, or ["*"] for every camera;
    `password_hash` is an encoded Argon2id hash (salt and parameters inside)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String(32))
    cameras: Mapped[list[Any]] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeviceKeyRow(Base):
    """A device's API key: only its public prefix and the SHA-256 of the whole token are kept."""

    __tablename__ = "device_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Who (`actor`, e.g. 'user:alice') did what (`action`) to which object, when, from where,
    and how it ended (`outcome`: ok, denied, failed). Never holds secrets or plate text."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str | None] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(16))
    remote: Mapped[str | None] = mapped_column(String(128))
