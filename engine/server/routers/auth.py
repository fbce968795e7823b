"""POST /auth/login (name + password -> JWT) and GET /auth/me."""

from __future__ import annotations

from fastapi import APIRouter, Request

from engine.server.deps import PrincipalDep, ServicesDep, permission, remote_of
from engine.services.schemas import LoginRequest, PrincipalPublic, TokenPublic
from engine.services.users import describe

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenPublic, openapi_extra={"x-public": True})
def login(body: LoginRequest, request: Request, services: ServicesDep) -> TokenPublic:
    return services.users.login(body.name, body.password, remote_of(request))


@router.get("/me", response_model=PrincipalPublic, openapi_extra=permission("authenticated"))
def me(principal: PrincipalDep) -> PrincipalPublic:
    return describe(principal)
