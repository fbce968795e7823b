"""SmartPole's fleet API (seeds 000/001) for HTTP devices such as Jetsons: /register,
/heartbeat/{device_id}, /config/{device_id}, /devices; and readings by device, kind and time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.errors import NotFound
from engine.services.fleet import MAX_READINGS
from engine.services.schemas_fleet import (
    DeviceConfigPublic,
    DeviceConfigUpdate,
    DevicePublic,
    DeviceRegister,
    DeviceRegistered,
    Heartbeat,
    HeartbeatAck,
    ReadingPublic,
)

router = APIRouter(tags=["fleet"])
# fleet.report: device keys, and only for the device the key was registered with.
_DEVICE = {**permission("fleet.report"), "x-credential": "the device key of {device_id}"}


@router.post(
    "/register",
    response_model=DeviceRegistered,
    status_code=201,
    openapi_extra=permission("fleet.manage"),
)
def register(
    body: DeviceRegister, principal: PrincipalDep, services: ServicesDep
) -> DeviceRegistered:
    """Register a device (or re-register one whose key was revoked); answers its key once."""
    return services.fleet.register(principal, body)


@router.post("/heartbeat/{device_id}", response_model=HeartbeatAck, openapi_extra=_DEVICE)
def heartbeat(
    device_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    body: Annotated[Heartbeat | None, Body()] = None,
) -> HeartbeatAck:
    """The device is alive: last seen now, its status, firmware and metrics."""
    return services.fleet.heartbeat(principal, device_id, body or Heartbeat())


@router.get("/config/{device_id}", response_model=DeviceConfigPublic, openapi_extra=_DEVICE)
def get_config(
    device_id: str, principal: PrincipalDep, services: ServicesDep
) -> DeviceConfigPublic:
    """The device's own config and its version."""
    return services.fleet.get_config(principal, device_id)


@router.put(
    "/config/{device_id}",
    response_model=DeviceConfigPublic,
    openapi_extra=permission("fleet.manage"),
)
def put_config(
    device_id: str, body: DeviceConfigUpdate, principal: PrincipalDep, services: ServicesDep
) -> DeviceConfigPublic:
    """Replace a device's config; the version goes up by one (409 on a stale `if_version`)."""
    return services.fleet.put_config(principal, device_id, body)


@router.get("/devices", response_model=list[DevicePublic], openapi_extra=permission("fleet.read"))
def list_devices(principal: PrincipalDep, services: ServicesDep) -> list[DevicePublic]:
    """Every device with online/offline (from its status and last heartbeat), by id."""
    return services.fleet.list(principal)


@router.get(
    "/devices/{device_id}", response_model=DevicePublic, openapi_extra=permission("fleet.read")
)
def get_device(device_id: str, principal: PrincipalDep, services: ServicesDep) -> DevicePublic:
    return services.fleet.get(principal, device_id)


@router.get(
    "/devices/{device_id}/snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/bmp": {}}}},
    openapi_extra=permission("fleet.read"),
)
def device_snapshot(device_id: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """The device's latest camera image as uploaded (404: none yet); its name, size and upload
    time in the x-image-filename, x-image-width, x-image-height and x-uploaded-at headers."""
    found = services.images.latest(principal, device_id)
    if found is None:
        raise NotFound()
    meta, data = found
    headers = {
        "x-image-filename": meta.filename,
        "x-image-width": str(meta.width),
        "x-image-height": str(meta.height),
        "x-uploaded-at": meta.timestamp.isoformat(),
        "cache-control": "no-store",
    }
    return Response(data, media_type=meta.content_type, headers=headers)


@router.delete("/devices/{device_id}", status_code=204, openapi_extra=permission("fleet.manage"))
def revoke_device(device_id: str, principal: PrincipalDep, services: ServicesDep) -> None:
    """Revoke a device: its key stops working and its MQTT login is deleted (disconnected)."""
    services.fleet.revoke(principal, device_id)


@router.get(
    "/api/readings", response_model=list[ReadingPublic], openapi_extra=permission("fleet.read")
)
def list_readings(
    principal: PrincipalDep,
    services: ServicesDep,
    device: str | None = None,
    kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_READINGS)] = MAX_READINGS,
) -> list[ReadingPublic]:
    """Stored device messages; `start` inclusive, `end` exclusive, oldest first."""
    return services.fleet.readings(principal, device, kind, start, end, limit)
