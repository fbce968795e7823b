"""GET /analytics/counts and GET /analytics/last24h (analytics: supervisors, admins)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.analytics import EventCounts

router = APIRouter(prefix="/analytics", tags=["analytics"])
_NEEDS = permission("analytics")


@router.get("/counts", response_model=EventCounts, openapi_extra=_NEEDS)
def counts(
    principal: PrincipalDep,
    services: ServicesDep,
    camera_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> EventCounts:
    return services.analytics.counts(principal, camera_id, start, end)


@router.get("/last24h", response_model=EventCounts, openapi_extra=_NEEDS)
def last24h(
    principal: PrincipalDep, services: ServicesDep, camera_id: str | None = None
) -> EventCounts:
    return services.analytics.last24h(principal, camera_id)
