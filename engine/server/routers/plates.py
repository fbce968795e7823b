"""Seed 004's plate routes: GET /events/plate/{text}, GET /stats; event snapshots (blurred where
the plate is for roles without plates.view); the watchlist. All through the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from engine.domain import Event
from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.stats import StatsPublic
from engine.services.watchlist import WatchCreate, WatchPublic

MAX_ROW_ID = 2**31 - 1  # row ids beyond this are not ours (and overflow SQLite)
router = APIRouter(tags=["plates"])
_WATCH = permission("watchlist.manage")
PlateText = Annotated[str, Path(min_length=1, max_length=40)]


@router.get(
    "/events/plate/{text}", response_model=list[Event], openapi_extra=permission("plates.view")
)
def by_plate(
    text: PlateText,
    principal: PrincipalDep,
    services: ServicesDep,
    fuzzy: bool = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Event]:
    """Plate events of this plate: look-alikes (O/0, I/1, B/8, S/5, Z/2, G/6) always match;
    with `fuzzy` (default) also one character changed, missing or extra. Exact first."""
    return services.plates.find(principal, text, fuzzy=fuzzy, limit=limit)


@router.get(
    "/events/{event_id}/snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    openapi_extra=permission("events.read"),
)
def snapshot(event_id: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """The event's best snapshot (JPEG); a plate event's is blurred on its plate for roles
    without plates.view."""
    return Response(services.plates.snapshot(principal, event_id), media_type="image/jpeg")


@router.get("/stats", response_model=StatsPublic, openapi_extra=permission("analytics"))
def stats(principal: PrincipalDep, services: ServicesDep) -> StatsPublic:
    return services.stats.stats(principal)


@router.get("/api/watchlist", response_model=list[WatchPublic], openapi_extra=_WATCH)
def list_watch(principal: PrincipalDep, services: ServicesDep) -> list[WatchPublic]:
    return services.watchlist.list(principal)


@router.post(
    "/api/watchlist",
    response_model=WatchPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_WATCH,
)
def add_watch(entry: WatchCreate, principal: PrincipalDep, services: ServicesDep) -> WatchPublic:
    return services.watchlist.add(principal, entry)


@router.delete(
    "/api/watchlist/{watch_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=_WATCH
)
def delete_watch(
    watch_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    principal: PrincipalDep,
    services: ServicesDep,
) -> Response:
    services.watchlist.delete(principal, watch_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
