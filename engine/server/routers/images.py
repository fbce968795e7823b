"""Seed 003's image API: /api/upload (multipart `image`, `device_id`, `location`),
/api/images, /api/images/{filename} and /api/inference."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.errors import InvalidInput
from engine.services.images import MAX_PAGE
from engine.services.schemas_fleet import (
    ImagePublic,
    ImageUploaded,
    InferenceRequest,
    InferenceResult,
)

router = APIRouter(prefix="/api", tags=["images"])
_READ = permission("fleet.read")
_FORM = (
    "expected a multipart/form-data body with the image in 'image' and a 'device_id' "
    "(and optionally 'location')"
)
_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image", "device_id"],
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        "device_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                        "location": {"type": "string", "maxLength": 64},
                    },
                }
            }
        },
    }
}


@router.post(
    "/upload",
    response_model=ImageUploaded,
    status_code=201,
    openapi_extra={**permission("upload.write"), **_MULTIPART},
)
async def upload(request: Request, principal: PrincipalDep, services: ServicesDep) -> ImageUploaded:
    """A device's camera image: decoded to check it (415 if not an image, 413 over 10 MiB)."""
    services.images.require_upload(principal)  # rights before reading the body
    try:
        form = await request.form(max_files=1, max_fields=4)
    except Exception:  # Starlette raises several kinds for a broken multipart body
        raise InvalidInput(_FORM) from None
    try:
        file, device_id, location = form.get("image"), form.get("device_id"), form.get("location")
        if not isinstance(file, StarletteUpload) or not isinstance(device_id, str):
            raise InvalidInput(_FORM)
        if location is not None and not isinstance(location, str):
            raise InvalidInput(_FORM)
        # One byte past the limit is enough to know it is too large.
        data = await file.read(services.images.max_upload_bytes + 1)
    finally:
        await form.close()
    return await run_in_threadpool(
        services.images.upload, principal, data, device_id, location or ""
    )


@router.get("/images", response_model=list[ImagePublic], openapi_extra=_READ)
def list_images(
    principal: PrincipalDep,
    services: ServicesDep,
    device_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ImagePublic]:
    """Uploaded images, newest first; `start` inclusive, `end` exclusive."""
    return services.images.list(principal, device_id, start, end, limit, offset)


@router.get(
    "/images/{filename}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/bmp": {}}}},
    openapi_extra=_READ,
)
def get_image(filename: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """The image's bytes, as uploaded."""
    data, content_type = services.images.read(principal, filename)
    return Response(data, media_type=content_type)


@router.post("/inference", response_model=InferenceResult, openapi_extra=_READ)
def inference(
    body: InferenceRequest, principal: PrincipalDep, services: ServicesDep
) -> InferenceResult:
    """The engine's detector on a stored image: detection records in the image's pixels."""
    return services.images.infer(principal, body)
