"""Retention is enforced while the engine runs: old events go, snapshots stay within budget
(oldest first)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from engine.client import EventQuery
from engine.client.local import open_local_client
from engine.config import RetentionSettings, Settings
from engine.domain import Camera, CameraState, DetectionSettings, Event, EventKind, utc_now
from engine.storage import BlobStore
from tests.helpers import STREET_SHORT

BUDGET = 120_000  # bytes of snapshots: a handful of 640x352 JPEGs


def test_retention_deletes_old_events_and_keeps_snapshots_in_budget(tmp_path, sqlite_url):
    settings = Settings(
        SENTINEL_DATA_DIR=tmp_path / "data",
        DATABASE_URL=sqlite_url,
        retention=RetentionSettings(
            max_age_days=7, max_snapshot_bytes=BUDGET, check_interval_s=0.2
        ),
    )
    client = open_local_client(settings, realtime=False)
    old = Event(
        camera_id="archive",
        kind=EventKind.ENTERED,
        track_id=1,
        class_name="car",
        class_id=2,
        score=0.9,
        box=(0, 0, 10, 10),
        pts=0.0,
        timestamp=utc_now() - timedelta(days=30),
    )
    client._core.sink.submit([old])  # noqa: SLF001 - seeding history the way the engine stores it
    finished = threading.Event()
    camera = Camera(
        name="street", source=str(STREET_SHORT), detection=DetectionSettings(input_size=320)
    )
    client.subscribe_status(lambda s: s.state is CameraState.STOPPED and finished.set())
    client.add_camera(camera)
    try:
        assert finished.wait(180)
        blobs = BlobStore(settings.resolved_blobs_dir())
        deadline = time.monotonic() + 10
        while blobs.total_bytes() > BUDGET and time.monotonic() < deadline:
            time.sleep(0.1)
        assert blobs.total_bytes() <= BUDGET
        events = client.list_events(EventQuery(limit=1000))
        assert old.id not in {e.id for e in events}
        with_snapshot = [e for e in events if e.snapshot]
        without = [e for e in events if not e.snapshot]
        assert with_snapshot and without, "budget should have removed some snapshots, not all"
        # the oldest lost theirs first
        assert max(e.timestamp for e in without) <= min(e.timestamp for e in with_snapshot)
    finally:
        client.close()
