"""PlateEventRecorder: a finished track's plate -> privacy policy -> blobs and the plate tables,
flagged against the watchlist; answers the Event (kind 'plate') that shows it."""

from __future__ import annotations

import logging
from typing import Protocol

import cv2
import numpy as np

from engine.alpr.blur import blur_box
from engine.alpr.privacy import PlatePrivacy
from engine.alpr.track_stage import FinishedPlate
from engine.domain import Event, EventKind
from engine.domain.plate import PlateEvent, PlateInfo, PlateRead, PlateRecord

log = logging.getLogger(__name__)


class BlobWriter(Protocol):
    def put(self, data: bytes, *, prefix: str, suffix: str = ".jpg") -> str: ...


class Watchlist(Protocol):
    """What the recorder asks of engine.storage's PlateRepository for the live event."""

    def matches_watchlist(self, event: PlateEvent) -> bool: ...


class RecordSink(Protocol):
    """Where finished plates go: a SpoolingEventSink of PlateRecords (never raises)."""

    def submit(self, records: list[PlateRecord]) -> None: ...


class PlateEventRecorder:
    """Stores at most one plate event per finished track. Under a policy that does not protect
    plates, the text is kept only as its keyed HMAC, no crop is stored and the snapshot is
    blurred where the plate is before it is written; the watchlist still matches by HMAC."""

    def __init__(
        self,
        watchlist: Watchlist,
        sink: RecordSink,
        blobs: BlobWriter,
        privacy: PlatePrivacy,
        quality: int = 85,
    ) -> None:
        self._watchlist = watchlist
        self._sink = sink
        self._blobs = blobs
        self._privacy = privacy
        self._params = [int(cv2.IMWRITE_JPEG_QUALITY), quality]

    def record(self, finished: FinishedPlate) -> Event | None:
        voted, best = finished.plate, finished.best.read
        stored = self._privacy.apply(voted.text, best.raw)
        if stored is None:
            return None
        camera = finished.camera_id
        image = finished.image if stored.clear_images else blur_box(finished.image, best.box)
        snapshot = self._save(image, f"snapshots/{camera}")
        crop = self._save(best.crop, f"plates/{camera}") if stored.clear_images else None
        plate = PlateEvent(
            camera_id=camera,
            track_id=finished.track_id,
            site=finished.site,
            text=stored.text,
            raw_text=stored.raw_text,
            plate_hmac=stored.plate_hmac,
            region=best.region,
            confidence=min(max(voted.confidence, 0.0), 1.0),
            quality=min(max(best.score, 0.0), 1.0),
            crop=crop,
            first_seen=finished.first_seen,
            last_seen=finished.last_seen,
            frames=max(voted.reads, 1),
            box=best.box,
        )
        plate = plate.model_copy(update={"watchlist_hit": self._live_watchlist_hit(plate)})
        reads = [
            PlateRead(
                event_id=plate.id,
                frame_index=r.frame_index,
                pts=r.pts,
                text=r.read.text if stored.text is not None else None,
                confidence=min(max(r.read.confidence, 0.0), 1.0),
                box=r.read.box,
                read_at=r.captured_at,
            )
            for r in finished.reads
        ]
        # Stored now, or spooled and replayed once the database is back (then flagged again).
        self._sink.submit([PlateRecord(plate=plate, reads=reads)])
        # Never the text here: logs name the camera and the event, not the plate.
        log.info(
            "plate event",
            extra={
                "camera_id": camera,
                "event_id": str(plate.id),
                "watchlist": plate.watchlist_hit,
            },
        )
        return Event(
            id=plate.id,
            camera_id=camera,
            site=finished.site,
            kind=EventKind.PLATE,
            track_id=finished.track_id,
            class_name=finished.class_name,
            class_id=finished.class_id,
            score=min(max(finished.vehicle_score, 0.0), 1.0),
            box=finished.vehicle_box,
            timestamp=finished.best.captured_at,
            pts=finished.best.pts,
            snapshot=snapshot,
            plate=PlateInfo.of(plate),
        )

    def _live_watchlist_hit(self, plate: PlateEvent) -> bool:
        """For the live event only; the stored row is flagged when it is written."""
        try:
            return self._watchlist.matches_watchlist(plate)
        except Exception:  # the database is away: the alert waits for the replay
            log.warning("watchlist not reachable", extra={"camera_id": plate.camera_id})
            return False

    def _save(self, image: np.ndarray, prefix: str) -> str:
        ok, encoded = cv2.imencode(".jpg", image, self._params)
        if not ok:
            raise ValueError("JPEG encoding failed")
        return self._blobs.put(encoded.tobytes(), prefix=prefix)
