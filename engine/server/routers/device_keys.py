"""/device-keys: installers and admins issue, list and revoke device keys (fleet.manage)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.schemas import DeviceKeyCreate, DeviceKeyIssued, DeviceKeyPublic

router = APIRouter(prefix="/device-keys", tags=["device keys"])
_NEEDS = permission("fleet.manage")


@router.post("", response_model=DeviceKeyIssued, status_code=201, openapi_extra=_NEEDS)
def issue_key(
    body: DeviceKeyCreate, principal: PrincipalDep, services: ServicesDep
) -> DeviceKeyIssued:
    return services.device_keys.issue(principal, body.name)


@router.get("", response_model=list[DeviceKeyPublic], openapi_extra=_NEEDS)
def list_keys(principal: PrincipalDep, services: ServicesDep) -> list[DeviceKeyPublic]:
    return services.device_keys.list(principal)


@router.delete("/{key_id}", status_code=204, openapi_extra=_NEEDS)
def revoke_key(key_id: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    services.device_keys.revoke(principal, key_id)
    return Response(status_code=204)
