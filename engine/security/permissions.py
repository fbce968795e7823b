"""Permissions, roles and the permission matrix loaded from a roles file (YAML)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from engine.resources import resource_path

# The role that device keys and the seed's API_KEY act as.
DEVICE_ROLE = "device"


class Permission(str, Enum):
    """One thing a principal may do. Values are what the roles file names."""

    VIDEO_VIEW = "video.view"
    EVENTS_READ = "events.read"
    ALERTS_READ = "alerts.read"
    PLATES_VIEW = "plates.view"
    TRIAGE_WORK = "triage.work"
    SEARCH = "search"
    ANALYTICS = "analytics"
    EXPORT = "export"
    FLEET_READ = "fleet.read"
    FLEET_MANAGE = "fleet.manage"
    FLEET_REPORT = "fleet.report"  # a device's heartbeat and config read, for itself only
    USERS_MANAGE = "users.manage"
    CAMERAS_MANAGE = "cameras.manage"
    POLICY_MANAGE = "policy.manage"
    AUDIT_READ = "audit.read"
    INGEST_WRITE = "ingest.write"
    UPLOAD_WRITE = "upload.write"
    WATCHLIST_MANAGE = "watchlist.manage"


@dataclass(frozen=True)
class Role:
    """A named set of permissions; `all_cameras` lifts per-camera limits (supervisor, admin)."""

    name: str
    permissions: frozenset[Permission]
    all_cameras: bool = False
    description: str = ""


class RoleMatrix:
    """Every role the engine knows, by name. Unknown role names have no permissions at all."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        if DEVICE_ROLE not in roles:
            raise ValueError(f"roles file must define the {DEVICE_ROLE!r} role (device keys)")
        self._roles = dict(roles)

    @property
    def names(self) -> list[str]:
        return sorted(self._roles)

    def get(self, name: str) -> Role | None:
        return self._roles.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._roles

    def permissions(self, name: str) -> frozenset[Permission]:
        role = self._roles.get(name)
        return role.permissions if role else frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RoleMatrix:
        """Build from the parsed YAML (`{"roles": {name: {permissions: [...], ...}}}`); raises
        ValueError naming the role and the unknown permission on a typo."""
        roles_data = data.get("roles")
        if not isinstance(roles_data, Mapping) or not roles_data:
            raise ValueError("roles file needs a non-empty 'roles' mapping")
        roles: dict[str, Role] = {}
        for name, spec in roles_data.items():
            spec = spec or {}
            names = spec.get("permissions") or []
            if "*" in names:
                perms = frozenset(Permission)
            else:
                try:
                    perms = frozenset(Permission(p) for p in names)
                except ValueError as exc:
                    raise ValueError(f"role {name!r}: {exc}") from None
            roles[str(name)] = Role(
                name=str(name),
                permissions=perms,
                all_cameras=bool(spec.get("all_cameras", False)),
                description=str(spec.get("description", "")),
            )
        return cls(roles)


def default_roles_path() -> Path:
    return resource_path("policy", "roles.yaml")


def load_roles(path: Path | None = None) -> RoleMatrix:
    """The matrix in `path` (Settings.roles_file), or the bundled resources/policy/roles.yaml."""
    source = path or default_roles_path()
    with open(source, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: expected a mapping")
    return RoleMatrix.from_mapping(data)
