"""Cluster tables (#4): `engine_nodes`, the engine processes sharing this database with their
last heartbeat, and `camera_leases`, which engine runs which camera until when. A lease that is
not renewed expires, and any live engine may then claim the camera."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base, UTCDateTime


class EngineNodeRow(Base):
    """One engine process. `name` is host:pid, for people reading the table."""

    __tablename__ = "engine_nodes"

    engine_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    site: Mapped[str] = mapped_column(String)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CameraLeaseRow(Base):
    """The engine running a camera, until `expires_at` unless renewed. Not a foreign key to
    `cameras`: a removed camera's lease is released by its holder on its next round."""

    __tablename__ = "camera_leases"

    camera_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    engine_id: Mapped[str] = mapped_column(String(36), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
