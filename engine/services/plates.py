"""PlateService: plate events as a principal may see them. Text in clear only with plates.view
(each clear view audited), masked otherwise; snapshots blurred where the plate is for roles
without plates.view; lookup by plate text (exact, look-alike folded, or one edit away)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from engine.alpr.blur import blur_box
from engine.domain import Event, EventKind
from engine.domain.plate import PlateEvent, PlateInfo, fold_plate_key
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.policy import FieldPolicy, mask
from engine.security.principal import Principal
from engine.services.access import require, require_camera
from engine.services.blob_errors import blob_store_answering
from engine.services.errors import InvalidInput, NotFound
from engine.services.lookup import find_event
from engine.storage.repos.events import PlateKeys
from engine.storage.repos.plates import PlateRepository


class EventReader(Protocol):
    def get(self, event_id: uuid.UUID | str) -> Event | None: ...


class BlobReader(Protocol):
    def read(self, key: str) -> bytes: ...


class PlateService:
    """Attaches stored plate reads to plate events and presents them by role."""

    MAX_QUERY = 20  # characters of a plate query (the column holds 20)

    def __init__(
        self,
        plates: PlateRepository,
        events: EventReader,
        blobs: BlobReader,
        audit: AuditLog,
        policy: FieldPolicy,
    ) -> None:
        self._plates = plates
        self._events = events
        self._blobs = blobs
        self._audit = audit
        self._policy = policy

    # presentation ------------------------------------------------------------------------
    def attach(self, events: Sequence[Event]) -> list[Event]:
        """Plate events with their stored plate fields (one query for the lot)."""
        wanted = [e.id for e in events if e.kind is EventKind.PLATE and e.plate is None]
        found = self._plates.get_many(wanted) if wanted else {}
        return [
            e.model_copy(update={"plate": PlateInfo.of(found[e.id])}) if e.id in found else e
            for e in events
        ]

    def present(self, principal: Principal, event: Event) -> Event:
        """The event's plate as `principal` may see it; a clear view leaves an audit row."""
        plate = event.plate
        if plate is None:
            return event
        if principal.has(Permission.PLATES_VIEW):
            if plate.text is not None or plate.raw_text is not None:
                self._audit.record(principal, "view.plate", f"event:{event.id}")
            return event
        hidden = plate.model_copy(
            update={
                "text": mask(plate.text) if plate.text else None,
                "raw_text": mask(plate.raw_text) if plate.raw_text else None,
                "crop": None,  # the crop is the plate itself
            }
        )
        return event.model_copy(update={"plate": hidden})

    def keys(self, text: str) -> PlateKeys:
        """The search keys of a plate query (folded key, keyed HMAC); 422 when it has none."""
        folded = fold_plate_key(text)
        if not folded or len(folded) > self.MAX_QUERY:
            raise InvalidInput(f"plate: 1 to {self.MAX_QUERY} letters or digits")
        return PlateKeys(folded, self._policy.hmac(folded))

    # reads -------------------------------------------------------------------------------
    def find(
        self, principal: Principal, text: str, fuzzy: bool = True, limit: int = 100
    ) -> list[Event]:
        """GET /events/plate/{text}: events of this plate (look-alikes O/0, I/1, B/8, S/5,
        Z/2, G/6 match as one), with `fuzzy` also one character changed, missing or extra;
        exact matches first, then newest. Redacted events match exactly, by keyed HMAC.
        Needs plates.view: a search by plate text is a view of plate text."""
        require(principal, Permission.EVENTS_READ, self._audit, "plate.find")
        require(principal, Permission.PLATES_VIEW, self._audit, "plate.find")
        keys = self.keys(text)
        found: dict[uuid.UUID, PlateEvent] = {}
        for plate in self._plates.find(keys.folded, fuzzy=fuzzy, limit=limit):
            found.setdefault(plate.id, plate)
        if keys.hmac:
            for plate in self._plates.find_hmac(keys.hmac, limit):
                found.setdefault(plate.id, plate)
        events = []
        for plate in found.values():
            if not principal.can_see_camera(plate.camera_id):
                continue
            event = self._events.get(plate.id) or _event_of(plate)
            events.append(event.model_copy(update={"plate": PlateInfo.of(plate)}))
        events.sort(key=lambda e: (_folded(found[e.id]) != keys.folded, -e.timestamp.timestamp()))
        return [self.present(principal, e) for e in events[:limit]]

    def snapshot(self, principal: Principal, event_id: str) -> bytes:
        """An event's snapshot (JPEG). A plate event's is blurred where its plate is for a
        principal without plates.view, and a clear one is audited as a plate view."""
        target = f"event:{event_id}"
        require(principal, Permission.EVENTS_READ, self._audit, "event.snapshot", target)
        event = find_event(self._events, event_id)
        require_camera(principal, event.camera_id, self._audit, "event.snapshot", target)
        if event.snapshot is None:
            raise NotFound()
        try:
            with blob_store_answering():
                data = self._blobs.read(event.snapshot)
        except (OSError, ValueError):
            raise NotFound() from None
        if event.kind is not EventKind.PLATE:
            return data
        plate = self._plates.get(event.id)
        if principal.has(Permission.PLATES_VIEW):
            if plate is not None and plate.text is not None:
                self._audit.record(principal, "view.plate_snapshot", target)
            return data
        if plate is None or plate.box is None:
            raise NotFound()  # no plate box to blur: showing it could show the plate
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise NotFound()
        ok, encoded = cv2.imencode(".jpg", blur_box(image, plate.box))
        if not ok:
            raise NotFound()
        return encoded.tobytes()


def _folded(plate: PlateEvent) -> str | None:
    return plate.folded or (fold_plate_key(plate.text) if plate.text else None)


def _event_of(plate: PlateEvent) -> Event:
    """A plate event stored without its `events` row (e.g. by another producer)."""
    return Event(
        id=plate.id,
        camera_id=plate.camera_id,
        site=plate.site,
        kind=EventKind.PLATE,
        track_id=plate.track_id,
        class_name="vehicle",
        class_id=-1,
        score=plate.confidence,
        box=plate.box or (0.0, 0.0, 0.0, 0.0),
        timestamp=plate.last_seen,
        pts=0.0,
    )
