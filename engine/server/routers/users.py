"""/users: admins create, list and disable users and set their cameras (users.manage, enforced
by UserService)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.schemas import UserCameras, UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])
_NEEDS = permission("users.manage")


@router.get("", response_model=list[UserPublic], openapi_extra=_NEEDS)
def list_users(principal: PrincipalDep, services: ServicesDep) -> list[UserPublic]:
    return services.users.list(principal)


@router.post("", response_model=UserPublic, status_code=201, openapi_extra=_NEEDS)
def create_user(body: UserCreate, principal: PrincipalDep, services: ServicesDep) -> UserPublic:
    return services.users.create(principal, body)


@router.post("/{name}/disable", status_code=204, openapi_extra=_NEEDS)
def disable_user(name: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    services.users.disable(principal, name)
    return Response(status_code=204)


@router.put("/{name}/cameras", response_model=UserPublic, openapi_extra=_NEEDS)
def set_user_cameras(
    name: str, body: UserCameras, principal: PrincipalDep, services: ServicesDep
) -> UserPublic:
    return services.users.set_cameras(principal, name, body.cameras)
