"""Composition root: builds the in-process engine's collaborators from Settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.alpr.privacy import PlatePrivacy
from engine.config import Settings
from engine.core import EngineCore, detector_for
from engine.domain.plate import PlateRecord
from engine.events.plate_events import PlateEventRecorder
from engine.security.policy import load_rules
from engine.services.telemetry import LatencyRecorder, timed_factory
from engine.storage import (
    CameraRepository,
    Database,
    EventRepository,
    RetentionEnforcer,
    RetentionWorker,
    SpoolingEventSink,
)
from engine.storage.blob_factory import open_blob_store
from engine.storage.blobs import BlobStorage
from engine.storage.repos.plates import PlateRecordWriter, PlateRepository
from engine.storage.spool import EventWriter

log = logging.getLogger(__name__)


def plate_privacy(settings: Settings) -> PlatePrivacy:
    """The field policy (POLICY_FILE) for the engine's own plate reads; raises ValueError when
    it redacts them and POLICY_HMAC_KEY is not set."""
    key = settings.policy_hmac_key.get_secret_value().encode() if settings.policy_hmac_key else None
    return PlatePrivacy(load_rules(settings.policy_file), key)


@dataclass
class EngineParts:
    """What `open_engine` built, so the owner can close it in order."""

    core: EngineCore
    database: Database
    sink: SpoolingEventSink
    retention: RetentionWorker
    # Detector latency of every camera, for /metrics.
    inference: LatencyRecorder = field(default_factory=LatencyRecorder)
    plate_sink: SpoolingEventSink | None = None  # plate events with their reads

    def close(self) -> None:
        self.core.close()  # stops cameras, then flushes the sink
        if self.plate_sink is not None:
            self.plate_sink.close()
        self.retention.stop()
        self.database.close()


def open_engine(
    settings: Settings,
    *,
    realtime: bool = True,
    forward_to: Callable[[BlobStorage], EventWriter] | None = None,
) -> EngineParts:
    """The in-process engine. `forward_to` (edge mode) makes the writer of its events, e.g. a
    central engine's intake: events are spooled on disk while it is away, not stored here."""
    database = Database.open(settings.resolved_database_url())
    blobs = open_blob_store(settings, write_behind=True)
    events = EventRepository(database, snapshot_size=blobs.size)
    writer = forward_to(blobs) if forward_to is not None else events
    sink = SpoolingEventSink(writer, settings.resolved_spool_dir())
    plates = PlateRepository(database)
    plate_sink = SpoolingEventSink(
        PlateRecordWriter(plates), settings.resolved_spool_dir() / "plates", model=PlateRecord
    )
    retention = RetentionWorker(
        RetentionEnforcer(events, blobs, settings.retention, plates=plates)
    ).start()
    inference = LatencyRecorder()
    core = EngineCore(
        settings,
        cameras_repo=CameraRepository(database),
        events_repo=events,
        blobs=blobs,
        sink=sink,
        detector_factory=timed_factory(detector_for(settings), inference),
        realtime=realtime,
        plates=PlateEventRecorder(plates, plate_sink, blobs, plate_privacy(settings)),
    )
    return EngineParts(core, database, sink, retention, inference, plate_sink)
