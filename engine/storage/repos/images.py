"""ImageRepository: metadata of the images devices upload (table `device_images`)."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import select

from engine.storage.database import Database
from engine.storage.models_devices import DeviceImageRow


class ImageRepository:
    """Adds and finds uploaded images; the bytes live in the blob store under `blob_key`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, row: DeviceImageRow) -> None:
        with self._db.sessions.begin() as session:
            session.add(row)
            session.flush()
            session.expunge(row)

    def get(self, filename: str) -> DeviceImageRow | None:
        with self._db.sessions() as session:
            return session.get(DeviceImageRow, filename)

    def list(
        self,
        device_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[DeviceImageRow]:
        """Newest first; start inclusive, end exclusive."""
        query = select(DeviceImageRow)
        if device_id is not None:
            query = query.where(DeviceImageRow.device_id == device_id)
        if start is not None:
            query = query.where(DeviceImageRow.uploaded_at >= start)
        if end is not None:
            query = query.where(DeviceImageRow.uploaded_at < end)
        query = query.order_by(DeviceImageRow.uploaded_at.desc(), DeviceImageRow.filename.desc())
        with self._db.sessions() as session:
            return builtins.list(session.scalars(query.limit(limit).offset(offset)))
