"""The plate stage in the real pipeline: the generated clip of the pixabay car (single-frame
reads disagree) on an ALPR camera gives exactly one stored plate event, on both databases."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.domain import EventKind
from engine.storage import BlobStore, Database, EventRepository
from engine.storage.repos.plates import PlateRepository
from tests.engine.alpr.engine_run import run_alpr_camera
from tests.engine.services.helpers import make_settings


def test_clip_on_an_alpr_camera_stores_one_plate_event(
    database_url: str, moving_plate_clip: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, DATABASE_URL=database_url)
    emitted = run_alpr_camera(settings, moving_plate_clip)

    live = [e for e in emitted if e.kind is EventKind.PLATE]
    assert len(live) == 1 and live[0].plate is not None
    assert live[0].plate.text == "4XXF538"
    db = Database.open(database_url)
    try:
        plates = PlateRepository(db)
        found = plates.find("4XXF538")
        assert [p.text for p in found] == ["4XXF538"]
        plate = found[0]
        assert plate.id == live[0].id and plate.camera_id == live[0].camera_id
        assert plate.raw_text and 0.5 < plate.confidence <= 1.0 and 0 < plate.quality <= 1.0
        assert plate.plate_hmac is not None  # a key is configured: kept beside the clear text
        assert plate.box is not None and plate.frames >= 1
        reads = plates.reads(plate.id)
        assert len(reads) == plate.frames
        assert all(r.text for r in reads)
        # The event row that shows it: kind plate, the vehicle's box, the full-frame snapshot.
        events = EventRepository(db)
        stored = [e for e in events.list(limit=1000) if e.kind is EventKind.PLATE]
        assert [e.id for e in stored] == [plate.id]
        blobs = BlobStore(settings.resolved_blobs_dir())
        crop = cv2.imdecode(np.frombuffer(blobs.read(plate.crop), np.uint8), cv2.IMREAD_COLOR)
        snapshot = blobs.read(stored[0].snapshot)
        assert crop is not None and crop.shape[1] > crop.shape[0]  # a plate: wider than high
        assert cv2.imdecode(np.frombuffer(snapshot, np.uint8), cv2.IMREAD_COLOR).shape == (
            544,
            960,
            3,
        )
        x1, y1, x2, y2 = stored[0].box
        px1, py1, px2, py2 = plate.box
        assert x1 <= px1 < px2 <= x2 and y1 <= py1 < py2 <= y2  # the plate is on the vehicle
    finally:
        db.close()
