"""ImageService: seed 003's image API. Devices upload camera images (checked by decoding them,
stored in the blob store through IngestService.upload), the Fleet view lists and fetches them,
and the engine's detector runs on one on request."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import PurePosixPath

import cv2
import numpy as np

from engine.security.audit import AuditLog, Outcome
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.blob_errors import blob_store_answering
from engine.services.errors import AccessDenied, InvalidInput, NotFound
from engine.services.fleet import key_prefix_of
from engine.services.ingest import IngestService
from engine.services.schemas_fleet import (
    DetectionRecord,
    ImagePublic,
    ImageUploaded,
    InferenceRequest,
    InferenceResult,
)
from engine.storage.blobs import BlobStorage
from engine.storage.models_devices import DeviceImageRow
from engine.storage.repos.fleet import FleetRepository
from engine.storage.repos.images import ImageRepository
from engine.vision.detector import Detector

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FILENAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|bmp)$")
MAX_PAGE = 500


class ImageService:
    """Uploads need upload.write (device keys, the API_KEY, admins); a device registered with
    its own key accepts images only from that key. Reads and inference need fleet.read
    (supervisors, installers, admins). `detector` builds the detector on first use."""

    def __init__(
        self,
        images: ImageRepository,
        fleet: FleetRepository,
        ingest: IngestService,
        blobs: BlobStorage,
        audit: AuditLog,
        detector: Callable[[], Detector],
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._images = images
        self._fleet = fleet
        self._ingest = ingest
        self._blobs = blobs
        self._audit = audit
        self._make_detector = detector
        self._detector: Detector | None = None
        self._detector_lock = threading.Lock()
        self._clock = clock

    @property
    def max_upload_bytes(self) -> int:
        return self._ingest.max_upload_bytes

    def require_upload(self, principal: Principal) -> None:
        """The upload right alone, checked before the server reads a multipart body."""
        self._ingest.require_upload(principal)

    def upload(
        self, principal: Principal, data: bytes, device_id: str, location: str = ""
    ) -> ImageUploaded:
        self.require_upload(principal)
        if not _DEVICE_ID.match(device_id):
            raise InvalidInput("device_id: 1 to 64 letters, digits, '_' or '-'")
        if len(location) > 64:
            raise InvalidInput("location: at most 64 characters")
        self._require_device_credential(principal, device_id)
        stored = self._ingest.upload(principal, data)  # decodes it: 413, 415 or the blob key
        row = DeviceImageRow(
            filename=PurePosixPath(stored.key).name,
            blob_key=stored.key,
            device_id=device_id,
            location=location,
            uploaded_at=self._clock(),
            bytes=stored.bytes,
            width=stored.width,
            height=stored.height,
            content_type=stored.content_type,
            uploaded_by=principal.actor,
        )
        try:
            self._images.add(row)
        except BaseException:
            self._blobs.delete(stored.key)  # nothing half-written: no blob without its row
            raise
        public = _public(row)
        return ImageUploaded(filename=public.filename, metadata=public)

    def list(
        self,
        principal: Principal,
        device_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ImagePublic]:
        """Newest first; start inclusive, end exclusive."""
        require(principal, Permission.FLEET_READ, self._audit, "image.list")
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInput(f"limit must be 1..{MAX_PAGE} and offset >= 0")
        rows = self._images.list(device_id, start, end, limit, offset)
        return [_public(row) for row in rows]

    def read(self, principal: Principal, filename: str) -> tuple[bytes, str]:
        """The image's bytes and content type. Anything but a stored upload's name is 404."""
        require(principal, Permission.FLEET_READ, self._audit, "image.get")
        row = self._row(filename)
        try:
            with blob_store_answering():
                data = self._blobs.read(row.blob_key)
        except (FileNotFoundError, ValueError):  # removed by retention
            raise NotFound() from None
        self._audit.record(principal, "image.get", f"image:{filename}")
        return data, row.content_type

    def latest(self, principal: Principal, device_id: str) -> tuple[ImagePublic, bytes] | None:
        """The device's newest upload that is still stored, with its bytes; None if it has
        none (the Fleet view's snapshot, GET /devices/{device_id}/snapshot)."""
        require(principal, Permission.FLEET_READ, self._audit, "image.get")
        found = self._images.list(device_id, limit=1)
        if not found:
            return None
        try:
            with blob_store_answering():
                data = self._blobs.read(found[0].blob_key)
        except (FileNotFoundError, ValueError):  # removed by retention
            return None
        self._audit.record(principal, "image.get", f"image:{found[0].filename}")
        return _public(found[0]), data

    def infer(self, principal: Principal, body: InferenceRequest) -> InferenceResult:
        """The engine's detector on a stored image; boxes in the image's pixels."""
        require(principal, Permission.FLEET_READ, self._audit, "image.inference")
        row = self._row(body.filename)
        try:
            with blob_store_answering():
                data = self._blobs.read(row.blob_key)
        except (FileNotFoundError, ValueError):
            raise NotFound() from None
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:  # stored images were decoded at upload; a damaged blob is gone
            raise NotFound()
        with self._detector_lock:  # one detection at a time: the backend keeps buffers
            detector = self._get_detector()
            detections = detector.detect(image)
        records = [
            DetectionRecord.model_validate(record)
            for record in detections.to_records(detector.class_names)
        ]
        if body.score_threshold is not None:
            records = [r for r in records if r.score >= body.score_threshold]
        if body.classes is not None:
            wanted = set(body.classes)
            records = [r for r in records if r.class_name in wanted]
        self._audit.record(principal, "image.inference", f"image:{body.filename}")
        height, width = image.shape[:2]
        return InferenceResult(
            filename=body.filename, width=width, height=height, detections=records
        )

    def _row(self, filename: str) -> DeviceImageRow:
        row = self._images.get(filename) if _FILENAME.match(filename) else None
        if row is None:
            raise NotFound()
        return row

    def _get_detector(self) -> Detector:
        if self._detector is None:
            self._detector = self._make_detector()
        return self._detector

    def _require_device_credential(self, principal: Principal, device_id: str) -> None:
        """A key bound to a device uploads only as that device; a device bound to a key takes
        images only from it. Other credentials (API_KEY, unbound keys, admins) name any other
        device."""
        prefix = key_prefix_of(principal)
        mine = self._fleet.get_by_key_prefix(prefix) if prefix else None
        if mine is not None:
            allowed = mine.device_id == device_id
        else:
            target = self._fleet.get(device_id)
            allowed = target is None or target.key_prefix is None
        if not allowed:
            self._audit.record(principal, "upload", f"device:{device_id}", Outcome.DENIED)
            raise AccessDenied()


def _public(row: DeviceImageRow) -> ImagePublic:
    return ImagePublic(
        filename=row.filename,
        device_id=row.device_id,
        location=row.location,
        timestamp=row.uploaded_at,
        bytes=row.bytes,
        width=row.width,
        height=row.height,
        content_type=row.content_type,
    )
