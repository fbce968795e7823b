"""VideoService: who may watch which camera live (video.view and the camera right), audited.

It grants a VideoGrant: the camera's packets and frame results as this viewer may see them
(plates masked without plates.view). The channel (the WebRTC router) does the streaming.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.domain import FrameResult
from engine.domain.packet import VideoPacket
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.policy import MASK, FieldMode, FieldPolicy, mask
from engine.security.principal import Principal
from engine.services.access import require, require_camera
from engine.services.errors import NotFound, Unavailable
from engine.storage.repos.cameras import CameraRepository

PLATE_FIELD = "plate_normalized"  # engine.alpr.privacy.PLATE_NORMALIZED
ENGINE_SOURCE = "engine"  # the policy source of the engine's own cameras


@dataclass(frozen=True)
class VideoGrant:
    """One viewer's right to one camera's live video."""

    camera_id: str
    show_plates: bool
    plates_kept: bool  # the policy keeps plate text (protect); else even masks hide it all
    core: Any

    def present(self, result: FrameResult) -> FrameResult:
        if self.show_plates or not result.plates:
            return result
        hidden = {t: mask(p) if self.plates_kept else MASK for t, p in result.plates.items()}
        return dataclasses.replace(result, plates=hidden)

    def subscribe_packets(self, callback: Callable[[VideoPacket], None]) -> Any:
        return self.core.subscribe(self.core.packets_topic(self.camera_id), callback)

    def subscribe_results(self, callback: Callable[[FrameResult], None]) -> Any:
        return self.core.subscribe(self.core.frames_topic(self.camera_id), callback)


class VideoService:
    """`ice_servers` are the only ICE servers the server's peers use (none: host candidates)."""

    def __init__(
        self,
        repo: CameraRepository,
        audit: AuditLog,
        policy: FieldPolicy,
        core: Any | None = None,
        ice_servers: Sequence[str] = (),
    ) -> None:
        self._repo = repo
        self._audit = audit
        self._core = core
        mode = policy.rules.modes(ENGINE_SOURCE).get(PLATE_FIELD, FieldMode.PROTECT)
        self._plates_kept = mode is FieldMode.PROTECT
        self.ice_servers = list(ice_servers)

    def open(self, principal: Principal, camera_id: str) -> VideoGrant:
        """AccessDenied without video.view or the camera; NotFound for no such camera;
        Unavailable when no engine runs cameras in this server."""
        target = f"camera:{camera_id}"
        require(principal, Permission.VIDEO_VIEW, self._audit, "video.open", target)
        require_camera(principal, camera_id, self._audit, "video.open", target)
        try:
            key = str(uuid.UUID(camera_id))
        except ValueError:
            raise NotFound() from None
        if self._repo.get(key) is None:
            raise NotFound()
        if self._core is None:
            raise Unavailable("video: this server runs no cameras")
        self._audit.record(principal, "video.open", target)
        show = principal.has(Permission.PLATES_VIEW) and self._plates_kept
        return VideoGrant(key, show, self._plates_kept, self._core)
