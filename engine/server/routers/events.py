"""GET /events and GET /events/{id}, through EventService (events.read, camera rights, policy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from engine.client.protocol import EventQuery
from engine.domain import Event
from engine.server.deps import PrincipalDep, ServicesDep, permission

router = APIRouter(prefix="/events", tags=["events"])
_NEEDS = permission("events.read")


@router.get("", response_model=list[Event], openapi_extra=_NEEDS)
def list_events(
    query: Annotated[EventQuery, Query()], principal: PrincipalDep, services: ServicesDep
) -> list[Event]:
    return services.events.list(principal, query)


@router.get("/{event_id}", response_model=Event, openapi_extra=_NEEDS)
def get_event(event_id: str, principal: PrincipalDep, services: ServicesDep) -> Event:
    return services.events.get(principal, event_id)
