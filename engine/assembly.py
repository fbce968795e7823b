"""Composition root: builds the in-process engine's collaborators from Settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from engine.config import Settings
from engine.core import EngineCore, detector_for
from engine.services.telemetry import LatencyRecorder, timed_factory
from engine.storage import (
    BlobStore,
    CameraRepository,
    Database,
    EventRepository,
    RetentionEnforcer,
    RetentionWorker,
    SpoolingEventSink,
)

log = logging.getLogger(__name__)


@dataclass
class EngineParts:
    """What `open_engine` built, so the owner can close it in order."""

    core: EngineCore
    database: Database
    sink: SpoolingEventSink
    retention: RetentionWorker
    # Detector latency of every camera, for /metrics.
    inference: LatencyRecorder = field(default_factory=LatencyRecorder)

    def close(self) -> None:
        self.core.close()  # stops cameras, then flushes the sink
        self.retention.stop()
        self.database.close()


def open_engine(settings: Settings, *, realtime: bool = True) -> EngineParts:
    database = Database.open(settings.resolved_database_url())
    blobs = BlobStore(settings.resolved_blobs_dir())
    events = EventRepository(database, snapshot_size=blobs.size)
    sink = SpoolingEventSink(events, settings.resolved_spool_dir())
    retention = RetentionWorker(RetentionEnforcer(events, blobs, settings.retention)).start()
    inference = LatencyRecorder()
    core = EngineCore(
        settings,
        cameras_repo=CameraRepository(database),
        events_repo=events,
        blobs=blobs,
        sink=sink,
        detector_factory=timed_factory(detector_for(settings), inference),
        realtime=realtime,
    )
    return EngineParts(core, database, sink, retention, inference)
