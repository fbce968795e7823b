"""Plate events through the recorder and the services, on both databases: a plate stored
redacted keeps no text, crop or readable snapshot, yet its keyed HMAC flags it against the
watchlist and finds it by exact text; retention deletes old plate events with their blobs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.alpr.reader import PlateReader
from engine.alpr.track_stage import FinishedPlate, TimedRead
from engine.alpr.voting import vote
from engine.assembly import plate_privacy
from engine.client.protocol import EventQuery
from engine.config.settings import RetentionSettings
from engine.domain import Event, EventKind
from engine.domain.plate import PlateRecord
from engine.events.plate_events import PlateEventRecorder
from engine.server.routers.event_reads import SearchQuery
from engine.services import build_services
from engine.services.watchlist import WatchCreate
from engine.storage import BlobStore, EventRepository, RetentionEnforcer, SpoolingEventSink
from engine.storage.repos.plates import PlateRecordWriter, PlateRepository
from tests.engine.alpr import DATA
from tests.engine.services.helpers import World, make_settings, make_world

PLATE = "4XXF538"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
REDACTING_POLICY = """
deny_event_types: [person]
sources:
  engine:
    fields:
      plate_text: redact
      plate_normalized: redact
"""


@pytest.fixture(scope="module")
def car() -> tuple[np.ndarray, object]:
    image = cv2.imread(str(DATA / "car_plate_pixabay.jpg"))
    read = PlateReader().read_image(image)
    assert read is not None and read.text == PLATE
    return image, read


def finished(car: tuple[np.ndarray, object], camera_id: str, when: datetime) -> FinishedPlate:
    image, read = car
    timed = TimedRead(7, 0.5, when, read)  # type: ignore[arg-type]
    height, width = image.shape[:2]
    return FinishedPlate(
        camera_id=camera_id,
        site="local",
        track_id=3,
        plate=vote([read]),  # type: ignore[list-item]
        reads=(timed,),
        best=timed,
        image=image,
        vehicle_box=(0.0, 0.0, float(width), float(height)),
        vehicle_score=0.9,
        class_id=2,
        class_name="car",
        first_seen=when - timedelta(seconds=2),
        last_seen=when,
    )


def record(world: World, settings, car, camera: str, when: datetime) -> Event:
    """What the engine's camera thread does at a track's end: recorder, then the event sink."""
    blobs = BlobStore(settings.resolved_blobs_dir())
    plates = PlateRepository(world.db)
    sink = SpoolingEventSink(
        PlateRecordWriter(plates), settings.resolved_spool_dir() / "plates", model=PlateRecord
    )
    try:
        recorder = PlateEventRecorder(plates, sink, blobs, plate_privacy(settings))
        event = recorder.record(finished(car, camera, when))
    finally:
        sink.close()
    assert event is not None
    EventRepository(world.db).add_many([event])
    return event


def sharpness(image: np.ndarray, box: tuple[float, ...]) -> float:
    x1, y1, x2, y2 = (int(v) for v in box)
    gray = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def test_redacted_plate_flags_the_watchlist_and_shows_nowhere(
    database_url: str, tmp_path: Path, car
) -> None:
    policy = tmp_path / "rules.yaml"
    policy.write_text(REDACTING_POLICY)
    settings = make_settings(tmp_path, POLICY_FILE=str(policy))
    world = make_world(database_url, tmp_path)
    world.services = build_services(world.db, settings)
    try:
        supervisor = world.principal("supervisor")
        # The entry is made from clear text; a look-alike spelling is the same plate.
        world.services.watchlist.add(supervisor, WatchCreate(text="4XXFS38", label="stolen"))
        event = record(world, settings, car, "cam-a", NOW)

        stored = PlateRepository(world.db).get(event.id)
        assert stored is not None
        assert (stored.text, stored.raw_text, stored.folded, stored.crop) == (None,) * 4
        assert stored.plate_hmac == world.services.policy.hmac(PLATE)
        assert stored.watchlist_hit
        assert [r.text for r in PlateRepository(world.db).reads(event.id)] == [None]
        # The stored snapshot itself is blurred where the plate was: nothing to undo later.
        image, read = car
        blobs = BlobStore(settings.resolved_blobs_dir())
        snapshot = cv2.imdecode(
            np.frombuffer(blobs.read(event.snapshot), np.uint8), cv2.IMREAD_COLOR
        )
        assert sharpness(snapshot, read.box) < sharpness(image, read.box) / 10

        # Exact search still finds it, by keyed HMAC; nobody sees text, not even an admin.
        for role in ["supervisor", "admin"]:
            (found,) = world.services.plates.find(world.principal(role), "4xx f538")
            assert found.id == event.id and found.plate is not None
            assert (found.plate.text, found.plate.redacted, found.plate.watchlist_hit) == (
                None,
                True,
                True,
            )
        query = SearchQuery(plate=PLATE)
        assert [e.id for e in world.services.events.search(supervisor, query)] == [event.id]
        listed = world.services.events.list(world.principal("operator"), EventQuery())
        plates = [e.plate for e in listed if e.kind is EventKind.PLATE]
        assert len(plates) == 1 and plates[0] is not None and plates[0].text is None
        assert world.services.audit_log.entries(action="view.plate") == []
    finally:
        world.close()


def test_protected_plate_matches_a_watchlist_entry(database_url: str, tmp_path: Path, car):
    settings = make_settings(tmp_path)
    world = make_world(database_url, tmp_path)
    try:
        supervisor = world.principal("supervisor")
        world.services.watchlist.add(supervisor, WatchCreate(text="4XX-F538", label="wanted"))
        event = record(world, settings, car, "cam-a", NOW)
        assert event.plate is not None and event.plate.watchlist_hit
        (shown,) = world.services.plates.find(supervisor, PLATE)
        assert shown.plate is not None and shown.plate.text == PLATE
        assert len(world.services.audit_log.entries(action="view.plate")) == 1
        # The live channel presents the engine's own event (clear plate inside) by role too.
        live = world.services.events.present(world.principal("labeler"), event)
        assert live.plate is not None and (live.plate.text, live.plate.crop) == ("4X•••38", None)
        assert PLATE not in live.model_dump_json()
    finally:
        world.close()


def test_retention_deletes_old_plate_events_and_their_blobs(
    database_url: str, tmp_path: Path, car
) -> None:
    settings = make_settings(tmp_path)
    world = make_world(database_url, tmp_path)
    try:
        now = datetime(2026, 1, 20, tzinfo=timezone.utc)  # the world's events are 10 days old
        old = record(world, settings, car, "cam-a", now - timedelta(days=10))
        new = record(world, settings, car, "cam-a", now - timedelta(days=1))
        plates, events = PlateRepository(world.db), EventRepository(world.db)
        blobs = BlobStore(settings.resolved_blobs_dir())
        old_crop = plates.get(old.id).crop  # type: ignore[union-attr]
        assert old_crop and blobs.exists(old_crop) and old.snapshot

        # Plates are kept 7 days, other events 30: only the old plate event goes.
        retention = RetentionSettings(max_age_days=30, plate_max_age_days=7)
        report = RetentionEnforcer(events, blobs, retention, plates=plates).enforce(now)

        assert report.deleted_events == 1 and report.deleted_snapshots == 2
        assert plates.get(old.id) is None and plates.reads(old.id) == []
        assert events.get(old.id) is None
        assert not blobs.exists(old_crop) and not blobs.exists(old.snapshot)
        assert plates.get(new.id) is not None and events.get(new.id) is not None
        kept = world.events["cam-a"][0]  # as old as the deleted plate, but not a plate
        assert events.get(kept.id) is not None
        assert [p.id for p in plates.find(PLATE)] == [new.id]
    finally:
        world.close()
