"""Request dependencies: the services of this app and the authenticated Principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from engine.security.principal import Principal
from engine.services import InvalidCredentials, Services

# auto_error=False: a missing credential is our 401 with our body, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="JWT from POST /auth/login")
_api_key = APIKeyHeader(name="x-api-key", auto_error=False, description="device key or the API_KEY")


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


def remote_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_principal(
    request: Request,
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller: a Bearer JWT (users) or an x-api-key (device keys, API_KEY). Raises
    InvalidCredentials (401) when neither is given or the one given is not valid."""
    remote = remote_of(request)
    if bearer is not None and bearer.credentials:
        return services.users.authenticate(bearer.credentials, remote)
    if api_key:
        return services.device_keys.authenticate(api_key, remote)
    raise InvalidCredentials()


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def permission(name: str) -> dict[str, object]:
    """OpenAPI extension naming the permission a route needs (the auth-matrix tests read it)."""
    return {"x-permission": name}
