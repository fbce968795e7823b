"""GET /audit: the audit log, newest first (audit.read: admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from engine.client.protocol import MAX_OFFSET
from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.schemas import AuditEntryPublic

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryPublic], openapi_extra=permission("audit.read"))
def list_audit(
    principal: PrincipalDep,
    services: ServicesDep,
    actor: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[AuditEntryPublic]:
    return services.audit.list(principal, actor, action, limit, offset)
