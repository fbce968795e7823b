"""AuditService: reading the audit log (audit.read); reads are themselves audited."""

from __future__ import annotations

from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.schemas import AuditEntryPublic
from engine.storage.repos.audit import AuditRepository


class AuditService:
    """Lists audit rows newest first, filtered by actor and action."""

    def __init__(self, repo: AuditRepository, audit: AuditLog) -> None:
        self._repo = repo
        self._audit = audit

    def list(
        self,
        principal: Principal,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntryPublic]:
        require(principal, Permission.AUDIT_READ, self._audit, "audit.read")
        rows = self._repo.list(actor=actor, action=action, limit=limit, offset=offset)
        self._audit.record(principal, "audit.read")
        return [AuditEntryPublic(**row.__dict__) for row in rows]
