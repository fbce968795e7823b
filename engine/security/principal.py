"""Principal: who is asking (a user, a device key or the seed API key) and what they may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from engine.security.permissions import Permission


class PrincipalKind(str, Enum):
    USER = "user"
    DEVICE = "device"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `cameras` None means every camera; otherwise only those ids.
    `remote` is where the call came from (client address, or 'local' in-process), for audit."""

    kind: PrincipalKind
    name: str
    role: str
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    cameras: frozenset[str] | None = field(default_factory=frozenset)
    remote: str = "local"

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def all_cameras(self) -> bool:
        return self.cameras is None

    def can_see_camera(self, camera_id: str) -> bool:
        return self.cameras is None or camera_id in self.cameras

    @property
    def actor(self) -> str:
        """How the audit log names this principal, e.g. 'user:alice'."""
        return f"{self.kind.value}:{self.name}"


def camera_scope(rows_cameras: list[str] | None, all_cameras_role: bool) -> frozenset[str] | None:
    """Effective camera rights: None (all) when the role lifts limits or the row lists '*'."""
    if all_cameras_role or (rows_cameras and "*" in rows_cameras):
        return None
    return frozenset(rows_cameras or ())
