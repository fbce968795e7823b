"""CameraRepository: the configured cameras, detection settings kept as JSON."""

from __future__ import annotations

import builtins
import uuid

from sqlalchemy import delete, select

from engine.domain import Camera, DetectionSettings
from engine.storage.database import Database
from engine.storage.models import CameraRow


class CameraRepository:
    """Adds, finds and removes cameras. `list` is in the order cameras were first added."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, camera: Camera) -> Camera:
        """Insert the camera, or replace the stored one with the same id (keeps created_at)."""
        values = {
            "name": camera.name,
            "source": camera.source,
            "site": camera.site,
            "loop": camera.loop,
            "detection": camera.detection.model_dump(mode="json"),
            "latitude": camera.latitude,
            "longitude": camera.longitude,
        }
        with self._db.sessions.begin() as session:
            row = session.get(CameraRow, _key(camera.id))
            if row is None:
                session.add(CameraRow(id=_key(camera.id), **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
        return camera

    def get(self, camera_id: uuid.UUID | str) -> Camera | None:
        with self._db.sessions() as session:
            row = session.get(CameraRow, _key(camera_id))
            return None if row is None else _to_camera(row)

    def list(self) -> builtins.list[Camera]:
        query = select(CameraRow).order_by(CameraRow.created_at, CameraRow.id)
        with self._db.sessions() as session:
            return [_to_camera(row) for row in session.scalars(query).all()]

    def delete(self, camera_id: uuid.UUID | str) -> bool:
        """Remove the camera (its events stay); returns whether it existed."""
        with self._db.sessions.begin() as session:
            stmt = delete(CameraRow).where(CameraRow.id == _key(camera_id)).returning(CameraRow.id)
            return session.execute(stmt).first() is not None


def _key(camera_id: uuid.UUID | str) -> str:
    # One spelling per id (lower-case, hyphenated); a malformed id raises ValueError.
    return str(camera_id if isinstance(camera_id, uuid.UUID) else uuid.UUID(camera_id))


def _to_camera(row: CameraRow) -> Camera:
    return Camera(
        id=uuid.UUID(row.id),
        name=row.name,
        source=row.source,
        loop=row.loop,
        detection=DetectionSettings.model_validate(row.detection),
        latitude=row.latitude,
        longitude=row.longitude,
        site=row.site,
    )
