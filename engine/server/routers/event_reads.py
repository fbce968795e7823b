"""Seed event listings: /events/recent, /events/camera/{id}, /events/search and /api/events.
All go through EventService (events.read, camera rights, field policy); search needs search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from engine.client.protocol import MAX_OFFSET, EventQuery
from engine.domain import Event, EventKind
from engine.server.deps import PrincipalDep, ServicesDep, permission

router = APIRouter(tags=["events"])
_READ = permission("events.read")
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


class SearchQuery(EventQuery):
    """EventQuery plus the class and plate filters of GET /events/search."""

    class_name: str | None = None
    plate: str | None = None


@router.get("/events/recent", response_model=list[Event], openapi_extra=_READ)
def recent(principal: PrincipalDep, services: ServicesDep, limit: Limit = 50) -> list[Event]:
    """The newest events of every camera the caller may see."""
    return services.events.list(principal, EventQuery(limit=limit))


@router.get("/events/camera/{camera_id}", response_model=list[Event], openapi_extra=_READ)
def by_camera(
    camera_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Event]:
    return services.events.list(
        principal, EventQuery(camera_id=camera_id, limit=limit, offset=offset)
    )


@router.get("/events/search", response_model=list[Event], openapi_extra=permission("search"))
def search(
    principal: PrincipalDep,
    services: ServicesDep,
    camera_id: str | None = None,
    class_name: Annotated[str | None, Query(alias="class")] = None,
    kind: Literal["entered", "left", "plate"] | None = None,
    plate: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Event]:
    """Filter by camera, class (`class=car`), kind, plate (`plate=4XXF538`: the plate events of
    that plate, look-alikes folded; redacted ones by keyed HMAC) and time range [start, end)."""
    query = SearchQuery(
        camera_id=camera_id,
        class_name=class_name,
        plate=plate,
        kind=EventKind(kind) if kind else None,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
    )
    return services.events.search(principal, query)


@router.get("/api/events", response_model=list[Event], openapi_extra=_READ)
def api_events(
    principal: PrincipalDep,
    services: ServicesDep,
    camera: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Event]:
    """Seed 002's listing: `?camera=&start=&end=` (start inclusive, end exclusive)."""
    query = EventQuery(camera_id=camera, start=start, end=end, limit=limit, offset=offset)
    return services.events.list(principal, query)
