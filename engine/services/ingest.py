"""IngestService: event intake from edge producers (POST /ingest, /ingest/message) and image
uploads (POST /upload). Every event passes the field policy before storage."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import cv2
import numpy as np
from pydantic import TypeAdapter, ValidationError

from engine.domain import Event
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.policy import FieldPolicy
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.blob_errors import blob_store_answering
from engine.services.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia
from engine.services.schemas_ingest import (
    MAX_BATCH,
    IngestEvent,
    IngestMessage,
    IngestResult,
    UploadPublic,
)
from engine.services.telemetry import IngestCounters
from engine.storage.blobs import BlobStorage
from engine.storage.repos.ingest import IngestRepository

SOURCE = "ingest"  # the policy source of everything that arrives here
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_EVENTS = TypeAdapter(list[IngestEvent])
_EVENT = TypeAdapter(IngestEvent)
_MESSAGE = TypeAdapter(IngestMessage)
_RESULT = TypeAdapter(IngestResult)
# Event's fields that an ingested event sets (its site is this engine's, it has no plate read).
_EVENT_FIELDS = {"__all__": set(Event.model_fields) - {"site", "plate"}}
_ARRAY = re.compile(rb"\s*\[")  # a body that is a JSON array (leading JSON whitespace allowed)
# Magic bytes -> (suffix, content type) of the formats kept as sent; others become JPEG.
_FORMATS = [
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"BM", ".bmp", "image/bmp"),
]


class IngestService:
    """Needs ingest.write (events) or upload.write (images): device keys, the API_KEY and
    admins. Validation is all-or-nothing: a malformed body stores nothing. Successful intake is
    counted, not audited row by row (it is high volume); refusals are audited."""

    def __init__(
        self,
        events: IngestRepository,
        blobs: BlobStorage,
        audit: AuditLog,
        policy: FieldPolicy,
        counters: IngestCounters | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self._events = events
        self._blobs = blobs
        self._audit = audit
        self._policy = policy
        self.counters = counters or IngestCounters()
        self.max_upload_bytes = max_upload_bytes

    # events ------------------------------------------------------------------------------
    def ingest_body(self, principal: Principal, body: bytes) -> IngestResult:
        """POST /ingest: one event object or a JSON array of up to MAX_BATCH."""
        require(principal, Permission.INGEST_WRITE, self._audit, "ingest")
        return self.ingest(principal, _events_of(body))

    def ingest_message(self, principal: Principal, body: bytes) -> IngestResult:
        """POST /ingest/message: an IngestMessage envelope from a bus worker."""
        require(principal, Permission.INGEST_WRITE, self._audit, "ingest.message")
        payload = _message_of(body).payload
        return self.ingest(principal, payload if isinstance(payload, list) else [payload])

    def ingest(self, principal: Principal, items: list[IngestEvent]) -> IngestResult:
        """Policy, then one insert-or-ignore transaction for the allowed events."""
        require(principal, Permission.INGEST_WRITE, self._audit, "ingest")
        _check_batch(len(items))
        for index, item in enumerate(items):
            if item.snapshot is not None:
                self._check_snapshot(index, item.snapshot)
        kept: list[IngestEvent] = []
        attributes: dict[uuid.UUID, dict[str, Any]] = {}
        denied: set[int] = set()
        for index, item in enumerate(items):
            allowed = self._policy.apply_policy(item.attributes(), SOURCE)
            if allowed is None:
                denied.add(index)
                continue
            kept.append(item)
            attributes[item.id] = allowed
        fresh = self._store(kept, attributes)  # of each id, the batch's first event was stored
        results = []
        counts = {"stored": 0, "duplicate": 0, "denied": 0}
        for index, item in enumerate(items):
            if index in denied:
                status = "denied"
            elif item.id in fresh:
                status = "stored"
            else:
                status = "duplicate"  # stored before, or twice in this batch
            fresh.discard(item.id)
            counts[status] += 1
            results.append({"index": index, "id": item.id, "status": status})
        for status, n in counts.items():
            self.counters.add(status, n)
        # One validation in pydantic-core for the whole answer, not a model per event.
        return _RESULT.validate_python(
            {
                "stored": counts["stored"],
                "duplicates": counts["duplicate"],
                "denied": counts["denied"],
                "results": results,
            }
        )

    def _store(
        self, kept: list[IngestEvent], attributes: dict[uuid.UUID, dict[str, Any]]
    ) -> set[uuid.UUID]:
        if not kept:
            return set()
        # The contract's own fields, written as Event writes them, by pydantic-core in one call
        # for the batch (no Event object per event); extra attributes (plate text...) are the
        # policy's, stored beside.
        as_json = _EVENTS.dump_json(kept, include=_EVENT_FIELDS)
        snapshots = [item.snapshot for item in kept]
        return self._events.add_json_with_attributes(as_json, snapshots, attributes, SOURCE)

    def _check_snapshot(self, index: int, key: str) -> None:
        try:
            with blob_store_answering():
                found = self._blobs.exists(key)
        except ValueError:
            raise InvalidInput(f"event {index}: snapshot: not a valid blob key") from None
        if not found:
            raise InvalidInput(f"event {index}: snapshot: no such blob (POST /upload it first)")

    # uploads -----------------------------------------------------------------------------
    def require_upload(self, principal: Principal) -> None:
        """The upload right alone, checked before the server reads a multipart body."""
        require(principal, Permission.UPLOAD_WRITE, self._audit, "upload")

    def upload(self, principal: Principal, data: bytes) -> UploadPublic:
        """Store an image after decoding it (so only real images are kept)."""
        require(principal, Permission.UPLOAD_WRITE, self._audit, "upload")
        if len(data) > self.max_upload_bytes:
            raise PayloadTooLarge(f"image larger than {self.max_upload_bytes} bytes")
        if not data:
            raise InvalidInput("empty upload")
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise UnsupportedMedia("not a decodable image (JPEG, PNG or BMP expected)")
        height, width = image.shape[:2]
        suffix, content_type = next(
            ((s, t) for magic, s, t in _FORMATS if data.startswith(magic)), (None, None)
        )
        if suffix is None:  # decodable but another format (e.g. TIFF): keep a JPEG
            ok, encoded = cv2.imencode(".jpg", image)
            if not ok:
                raise UnsupportedMedia("image could not be converted to JPEG")
            data, suffix, content_type = encoded.tobytes(), ".jpg", "image/jpeg"
        with blob_store_answering():  # 503: the device keeps its image and sends it again
            key = self._blobs.put(data, prefix="uploads", suffix=suffix)
        self._audit.record(principal, "upload", f"blob:{key}")
        return UploadPublic(
            key=key, bytes=len(data), width=width, height=height, content_type=str(content_type)
        )


def _events_of(body: bytes) -> list[IngestEvent]:
    """The events of a POST /ingest body. pydantic-core parses and validates a good body in one
    pass; a refused one goes the long way, which words the refusal (malformed JSON, 413 before
    validation, which event is wrong) exactly as it always has."""
    _check_size(body)
    try:
        if _ARRAY.match(body):
            items: list[IngestEvent] = _EVENTS.validate_json(body)
        else:
            items = [_EVENT.validate_json(body)]
    except ValidationError:
        data = _parse_json(body)
        items = data if isinstance(data, list) else [data]
        _check_batch(len(items))
        items = _validate(_EVENTS, items, "event ")
    _check_batch(len(items))
    return items


def _message_of(body: bytes) -> IngestMessage:
    """The envelope of a POST /ingest/message body, parsed as `_events_of` parses events."""
    _check_size(body)
    try:
        message: IngestMessage = _MESSAGE.validate_json(body)
    except ValidationError:
        data = _parse_json(body)
        if isinstance(data, dict) and isinstance(data.get("payload"), list):
            _check_batch(len(data["payload"]))
        message = _validate(_MESSAGE, data, "")
    if isinstance(message.payload, list):
        _check_batch(len(message.payload))
    return message


def _check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"malformed JSON: {exc}") from None


def _check_batch(n: int) -> None:
    if n > MAX_BATCH:
        raise PayloadTooLarge(f"at most {MAX_BATCH} events per request, got {n}")
    if n == 0:
        raise InvalidInput("no events: send an event object or a non-empty array")


def _validate(adapter: TypeAdapter[Any], data: Any, prefix: str) -> Any:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(_describe(exc, prefix)) from None


def _describe(exc: ValidationError, prefix: str) -> str:
    """'event 3: score: Input should be less than or equal to 1' (first three errors)."""
    parts = []
    for error in exc.errors()[:3]:
        loc = [str(p) for p in error["loc"]]
        where = f"{prefix}{loc[0]}: {'.'.join(loc[1:])}" if prefix and loc else ".".join(loc)
        parts.append(f"{where.rstrip(': ')}: {error['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
