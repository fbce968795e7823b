"""create_app: the engine's FastAPI application over a Services container (no globals)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from engine.config.settings import Settings
from engine.server.metrics import metrics_registry
from engine.server.metrics import router as metrics_router
from engine.server.rate_limit import install_rate_limit
from engine.server.routers import (
    analytics,
    audit,
    auth,
    cameras,
    device_commands,
    device_keys,
    event_reads,
    events,
    fleet,
    images,
    ingest,
    live,
    plates,
    public,
    users,
    webrtc,
)
from engine.services import (
    AccessDenied,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    ServiceError,
    Services,
)
from engine.services.errors import PayloadTooLarge, Unavailable, UnsupportedMedia
from engine.services.telemetry import LatencyRecorder

API_VERSION = "0.1.0"

# Error bodies are fixed strings: they carry no data whatever the cause.
_STATUS: dict[type[ServiceError], int] = {
    InvalidCredentials: 401,
    AccessDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    PayloadTooLarge: 413,
    UnsupportedMedia: 415,
    Unavailable: 503,
}
# These explain themselves (which field, which limit); the rest stay generic.
_EXPLAINED = (InvalidInput, PayloadTooLarge, UnsupportedMedia, Unavailable)


def create_app(
    services: Services,
    settings: Settings | None = None,
    *,
    core: Any | None = None,
    inference: LatencyRecorder | None = None,
) -> FastAPI:
    """The HTTP API over `services`. Public without credentials: /health, /metrics, GET /,
    /openapi.json and /docs; every other route needs a Bearer JWT or an x-api-key, checked by
    the services. `core` and `inference` (from open_engine) feed /metrics' camera figures."""
    app = FastAPI(
        title="Sentinel engine",
        version=API_VERSION,
        description="Cameras, events and access control of one Sentinel site.",
    )
    app.state.services = services
    app.state.settings = settings
    app.state.metrics = metrics_registry(services, core, inference)
    app.add_exception_handler(ServiceError, _service_error)  # type: ignore[arg-type]
    # event_reads before events: /events/recent must not be taken for an event id.
    modules = (public, auth, users, device_keys, audit, event_reads, events, ingest, analytics)
    modules += (plates, webrtc)
    for module in (*modules, cameras, live, fleet, device_commands, images):
        app.include_router(module.router)
    app.include_router(metrics_router)
    _add_components(app, ingest.COMPONENTS)
    install_rate_limit(app, services, settings)
    return app


def _add_components(app: FastAPI, schemas: dict[str, Any]) -> None:
    """Put schemas that hand-written request bodies refer to into the OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    detail = str(exc) if isinstance(exc, _EXPLAINED) else type(exc).message
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
