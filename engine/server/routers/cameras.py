"""GET|POST|DELETE /api/cameras (seed 002) and GET /api/cameras/{id}/status: listing and states
need events.read (and the camera), changes cameras.manage."""

from __future__ import annotations

from fastapi import APIRouter, Response

from engine.domain import CameraStatus
from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.cameras import CameraCreate, CameraPublic

router = APIRouter(prefix="/api/cameras", tags=["cameras"])
_MANAGE = permission("cameras.manage")


@router.get("", response_model=list[CameraPublic], openapi_extra=permission("events.read"))
def list_cameras(principal: PrincipalDep, services: ServicesDep) -> list[CameraPublic]:
    return services.cameras.list(principal)


@router.get(
    "/{camera_id}/status", response_model=CameraStatus, openapi_extra=permission("events.read")
)
def camera_status(camera_id: str, principal: PrincipalDep, services: ServicesDep) -> CameraStatus:
    """The camera's state now (also sent as `status` messages on /ws/events)."""
    return services.cameras.status(principal, camera_id)


@router.post("", response_model=CameraPublic, status_code=201, openapi_extra=_MANAGE)
def add_camera(body: CameraCreate, principal: PrincipalDep, services: ServicesDep) -> CameraPublic:
    return services.cameras.add(principal, body)


@router.delete("/{camera_id}", status_code=204, openapi_extra=_MANAGE)
def remove_camera(camera_id: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    services.cameras.remove(principal, camera_id)
    return Response(status_code=204)
