"""Public routes: no credentials, no personal data, no camera contents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from engine.server.deps import ServicesDep

router = APIRouter(tags=["public"])


class Health(BaseModel):
    status: str
    database: str


class ApiInfo(BaseModel):
    """Seed 004's `GET /`: what this server is and the routes it offers (no data)."""

    name: str
    version: str
    site: str = Field(description="the site this engine serves (SENTINEL_SITE)")
    docs: str
    openapi: str
    endpoints: list[str] = Field(description="'METHOD /path' of every route, e.g. 'GET /stats'")


@router.get("/health", response_model=Health, openapi_extra={"x-public": True})
def health(services: ServicesDep) -> JSONResponse:
    ok = services.ping()
    body = Health(status="ok" if ok else "degraded", database="ok" if ok else "unreachable")
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/", response_model=ApiInfo, openapi_extra={"x-public": True})
def api_info(request: Request) -> ApiInfo:
    app = request.app
    # The OpenAPI document (built once, then cached by FastAPI) is the list of routes.
    paths = app.openapi().get("paths", {})
    endpoints = sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)
    settings = app.state.settings
    return ApiInfo(
        name=app.title,
        version=app.version,
        site=settings.site if settings is not None else "local",
        docs="/docs",
        openapi="/openapi.json",
        endpoints=endpoints,
    )
