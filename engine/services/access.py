"""The permission check every service method starts with: deny, audit the denial, raise."""

from __future__ import annotations

from engine.security.audit import AuditLog, Outcome
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.errors import AccessDenied


def require(
    principal: Principal,
    permission: Permission,
    audit: AuditLog,
    action: str,
    object: str | None = None,
) -> None:
    """Raise AccessDenied (after an audit row) unless `principal` holds `permission`."""
    if not principal.has(permission):
        audit.record(principal, action, object, Outcome.DENIED)
        raise AccessDenied()


def require_camera(
    principal: Principal, camera_id: str, audit: AuditLog, action: str, object: str | None = None
) -> None:
    """Raise AccessDenied (after an audit row) unless `principal` may see `camera_id`."""
    if not principal.can_see_camera(camera_id):
        audit.record(principal, action, object or f"camera:{camera_id}", Outcome.DENIED)
        raise AccessDenied()
