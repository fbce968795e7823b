"""Storage: SQLAlchemy 2 + Alembic on SQLite or PostgreSQL, a local blob store, a spool that
rides out database outages, and retention. Every query lives in engine.storage.repos."""

from engine.storage.blobs import BlobStore
from engine.storage.database import Database, normalize_url
from engine.storage.migrations import head_revisions, migrate
from engine.storage.repos import CameraRepository, EventRepository, PurgedEvents
from engine.storage.retention import RetentionEnforcer, RetentionReport, RetentionWorker
from engine.storage.spool import EventWriter, SpoolingEventSink

__all__ = [
    "BlobStore",
    "CameraRepository",
    "Database",
    "EventRepository",
    "EventWriter",
    "PurgedEvents",
    "RetentionEnforcer",
    "RetentionReport",
    "RetentionWorker",
    "SpoolingEventSink",
    "head_revisions",
    "migrate",
    "normalize_url",
]
