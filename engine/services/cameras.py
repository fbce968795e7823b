"""CameraService: list cameras a principal may see and their states; add and remove them
(cameras.manage)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError

from engine.domain import Camera, CameraState, CameraStatus, DetectionSettings
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require, require_camera
from engine.services.errors import InvalidInput, NotFound
from engine.storage.repos.cameras import CameraRepository

_STREAM_SCHEMES = {"rtsp", "rtsps", "rtmp", "http", "https"}


class CameraCreate(BaseModel):
    """POST /api/cameras. `source` is a video file on the server or an rtsp:// URL. `id`: the
    caller's own id for it (EngineClient.add_camera keeps the Camera's); a saved id replaces
    that camera, which restarts with the new settings."""

    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=2048)
    loop: bool = False
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @classmethod
    def of(cls, camera: Camera) -> CameraCreate:
        """The request that adds `camera`; InvalidInput naming the field it breaks."""
        try:
            return cls.model_validate(camera.model_dump(exclude={"site"}))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


class CameraPublic(BaseModel):
    """A camera as listed. `source` (it may hold stream credentials) only for cameras.manage."""

    id: uuid.UUID
    name: str
    site: str
    latitude: float | None
    longitude: float | None
    state: CameraState
    source: str | None = None
    loop: bool = False
    detection: DetectionSettings = Field(default_factory=DetectionSettings)

    def to_camera(self) -> Camera:
        """The domain Camera, its source '' where it is hidden from the caller."""
        return Camera(
            id=self.id,
            name=self.name,
            source=self.source or "",
            loop=self.loop,
            detection=self.detection,
            latitude=self.latitude,
            longitude=self.longitude,
            site=self.site,
        )


class CameraService:
    """Listing needs events.read and shows only the caller's cameras. Adding and removing need
    cameras.manage and go through the running EngineCore when there is one, so the camera
    starts or stops at once; without one (a server with no engine) only the table changes."""

    def __init__(self, repo: CameraRepository, audit: AuditLog, core: Any | None = None) -> None:
        self._repo = repo
        self._audit = audit
        self.core = core

    def list(self, principal: Principal) -> list[CameraPublic]:
        require(principal, Permission.EVENTS_READ, self._audit, "camera.list")
        manager = principal.has(Permission.CAMERAS_MANAGE)
        return [
            self._public(camera, manager)
            for camera in self._repo.list()
            if principal.can_see_camera(str(camera.id))
        ]

    def add(self, principal: Principal, new: CameraCreate) -> CameraPublic:
        require(principal, Permission.CAMERAS_MANAGE, self._audit, "camera.add")
        _check_source(new.source)
        camera = Camera(**new.model_dump(exclude_none=True))
        camera = self.core.add_camera(camera) if self.core is not None else self._repo.add(camera)
        self._audit.record(principal, "camera.add", f"camera:{camera.id}")
        return self._public(camera, True)

    def status(self, principal: Principal, camera_id: str) -> CameraStatus:
        """The camera's state now: events.read and the camera right; NotFound for no such
        camera (a saved camera this engine does not run is stopped)."""
        target = f"camera:{camera_id}"
        require(principal, Permission.EVENTS_READ, self._audit, "camera.status", target)
        require_camera(principal, camera_id, self._audit, "camera.status", target)
        key = _saved_key(self._repo, camera_id)
        if self.core is None:
            return CameraStatus(camera_id=key, state=CameraState.STOPPED)
        return self.core.status(key)  # type: ignore[no-any-return]

    def remove(self, principal: Principal, camera_id: str) -> None:
        target = f"camera:{camera_id}"
        require(principal, Permission.CAMERAS_MANAGE, self._audit, "camera.remove", target)
        key = _saved_key(self._repo, camera_id)
        if self.core is not None:
            self.core.remove_camera(key)
        else:
            self._repo.delete(key)
        self._audit.record(principal, "camera.remove", target)

    def _public(self, camera: Camera, with_source: bool) -> CameraPublic:
        state = self.core.status(str(camera.id)).state if self.core else CameraState.STOPPED
        return CameraPublic(
            id=camera.id,
            name=camera.name,
            site=camera.site,
            latitude=camera.latitude,
            longitude=camera.longitude,
            state=state,
            source=camera.source if with_source else None,
            loop=camera.loop,
            detection=camera.detection,
        )


def _saved_key(repo: CameraRepository, camera_id: str) -> str:
    """The saved camera's id in its one spelling; NotFound for a malformed or unknown id."""
    try:
        key = str(uuid.UUID(camera_id))
    except ValueError:
        raise NotFound() from None
    if repo.get(key) is None:
        raise NotFound()
    return key


def _check_source(source: str) -> None:
    scheme = urlsplit(source).scheme.lower()
    if scheme in _STREAM_SCHEMES:
        if not urlsplit(source).hostname:
            raise InvalidInput("source: stream URL without a host")
        return
    if scheme and len(scheme) > 1:  # "C:" is a drive letter, anything longer a scheme
        raise InvalidInput(f"source: unsupported scheme {scheme!r} (rtsp:// or a file path)")
    if not Path(source).is_file():
        raise InvalidInput("source: no such video file on the server")
