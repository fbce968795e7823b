"""create_app: the engine's FastAPI application over a Services container (no globals)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from engine.config.settings import Settings
from engine.server.routers import audit, auth, device_keys, events, public, users
from engine.services import (
    AccessDenied,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    ServiceError,
    Services,
)

API_VERSION = "0.1.0"

# Error bodies are fixed strings: they carry no data whatever the cause.
_STATUS: dict[type[ServiceError], int] = {
    InvalidCredentials: 401,
    AccessDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
}


def create_app(services: Services, settings: Settings | None = None) -> FastAPI:
    """The HTTP API over `services`. Public without credentials: /health, GET /, /openapi.json
    and /docs; every other route needs a Bearer JWT or an x-api-key, checked by the services."""
    app = FastAPI(
        title="Sentinel engine",
        version=API_VERSION,
        description="Cameras, events and access control of one Sentinel site.",
    )
    app.state.services = services
    app.state.settings = settings
    app.add_exception_handler(ServiceError, _service_error)  # type: ignore[arg-type]
    for module in (public, auth, users, device_keys, audit, events):
        app.include_router(module.router)
    return app


async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    # Only InvalidInput explains itself (e.g. which roles exist); the rest stay generic.
    detail = str(exc) if isinstance(exc, InvalidInput) else type(exc).message
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
