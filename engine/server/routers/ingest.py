"""POST /ingest, POST /ingest/message and POST /upload: edge intake (device keys, API_KEY).
Bodies are read raw so the service can refuse oversize batches (413) before validating them
and explain malformed JSON (422) in its own words."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from engine.server.deps import PrincipalDep, ServicesDep, permission
from engine.services.errors import InvalidInput
from engine.services.ingest import MAX_BATCH
from engine.services.schemas_ingest import IngestEvent, IngestMessage, IngestResult, UploadPublic

router = APIRouter(tags=["ingest"])


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _event_schema() -> dict[str, Any]:
    return IngestEvent.model_json_schema(ref_template="#/components/schemas/{model}")


_ONE_OR_MANY = {
    "anyOf": [_event_schema(), {"type": "array", "items": _event_schema(), "maxItems": MAX_BATCH}]
}
_ENVELOPE = IngestMessage.model_json_schema(ref_template="#/components/schemas/{model}")
# The envelope refers to IngestEvent: create_app adds these to the document's components.
COMPONENTS: dict[str, Any] = _ENVELOPE.pop("$defs", {})


@router.post(
    "/ingest",
    response_model=IngestResult,
    openapi_extra={**permission("ingest.write"), **_json_body(_ONE_OR_MANY)},
)
async def ingest(request: Request, principal: PrincipalDep, services: ServicesDep) -> IngestResult:
    """One event or an array of up to 1,000; per-event results (stored, duplicate, denied)."""
    body = await request.body()
    # The database write blocks: in the thread pool, requests overlap their waits.
    return await run_in_threadpool(services.ingest.ingest_body, principal, body)


@router.post(
    "/ingest/message",
    response_model=IngestResult,
    openapi_extra={**permission("ingest.write"), **_json_body(_ENVELOPE)},
)
async def ingest_message(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> IngestResult:
    """A bus worker's envelope: `{"topic": ..., "payload": event or [events]}`."""
    body = await request.body()
    return await run_in_threadpool(services.ingest.ingest_message, principal, body)


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/upload",
    response_model=UploadPublic,
    status_code=201,
    openapi_extra={**permission("upload.write"), **_MULTIPART},
)
async def upload(request: Request, principal: PrincipalDep, services: ServicesDep) -> UploadPublic:
    """A multipart image (field `file`); answers the blob key to put in an event's snapshot."""
    # Rights first: a caller without upload.write learns nothing about what a valid body is.
    services.ingest.require_upload(principal)
    try:
        form = await request.form(max_files=1, max_fields=4)
    except Exception:  # Starlette raises several kinds for a broken multipart body
        raise InvalidInput("expected a multipart/form-data body with an image in 'file'") from None
    file = form.get("file")
    if not isinstance(file, StarletteUpload):
        raise InvalidInput("expected a multipart/form-data body with an image in 'file'")
    # Read one byte past the limit: enough to know it is too large without reading it all.
    data = await file.read(services.ingest.max_upload_bytes + 1)
    await form.close()
    return await run_in_threadpool(services.ingest.upload, principal, data)
