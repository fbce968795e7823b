"""IngestRepository.add_with_attributes and add_json_with_attributes: the same answers and rows
on SQLite and PostgreSQL (PostgreSQL writes the batch as one JSON document, SQLite row by
row)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from pydantic import TypeAdapter
from sqlalchemy import text

from engine.domain import Event
from engine.storage.repos.ingest import IngestRepository


def _event(**overrides: object) -> Event:
    fields: dict[str, object] = {
        "camera_id": "cam-1",
        "kind": "entered",
        "track_id": 7,
        "class_name": "car",
        "class_id": 2,
        "score": 0.8125,
        "box": (1.5, 2.25, 300.0, 400.125),
        "timestamp": datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=timezone.utc),
        "pts": 12.345,
    }
    fields.update(overrides)
    return Event.model_validate(fields)


def test_new_events_and_their_attributes_are_stored_as_sent(db) -> None:
    repo = IngestRepository(db)
    plain = _event(site="north", snapshot="uploads/a.jpg")
    tagged = _event(
        camera_id="cam-2",
        timestamp=datetime(2026, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
    )
    attributes = {tagged.id: {"event_type": "car", "plate_text_hmac": "ab12", "lane": 2}}

    inserted = repo.add_with_attributes([plain, tagged], attributes, "ingest")

    assert inserted == {plain.id, tagged.id}
    assert repo.get(plain.id) == plain
    stored = repo.get(tagged.id)
    assert stored is not None
    assert stored.timestamp == datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert stored.box == tagged.box and stored.score == tagged.score
    assert repo.attributes(tagged.id) == {"event_type": "car", "plate_text_hmac": "ab12", "lane": 2}
    assert repo.attributes(plain.id) is None  # no attributes: no row


def test_a_retry_and_a_repeated_id_store_nothing_twice(db) -> None:
    repo = IngestRepository(db)
    first = _event()
    twin = _event(id=first.id, camera_id="cam-twin")  # same id later in the same batch
    attributes = {first.id: {"event_type": "car"}}

    assert repo.add_with_attributes([first, twin], attributes, "ingest") == {first.id}
    stored = repo.get(first.id)
    assert stored is not None and stored.camera_id == "cam-1"  # the first one wins

    again = _event(id=first.id, camera_id="cam-retry")
    fresh = _event()
    changed = {first.id: {"event_type": "bus"}, fresh.id: {"event_type": "truck"}}
    assert repo.add_with_attributes([again, fresh], changed, "ingest") == {fresh.id}
    assert repo.attributes(first.id) == {"event_type": "car"}  # not overwritten by the retry
    assert repo.attributes(fresh.id) == {"event_type": "truck"}
    assert repo.count() == 2


def test_an_empty_batch_writes_nothing(db) -> None:
    repo = IngestRepository(db)
    assert repo.add_with_attributes([], {uuid.uuid4(): {"x": 1}}, "ingest") == set()
    assert repo.count() == 0


def test_events_given_as_json_are_stored_as_the_same_events(db) -> None:
    sizes = {"uploads/a.jpg": 1234}
    repo = IngestRepository(db, snapshot_size=lambda key: sizes[key])
    first = _event(snapshot="uploads/a.jpg")
    twin = _event(id=first.id, camera_id="cam-twin")  # same id later in the batch
    plain = _event(kind="left", camera_id="cam-3")
    batch = [first, twin, plain]
    # Event's JSON form without the site (as an intake writes it): the site is 'local'.
    as_json = TypeAdapter(list[Event]).dump_json(batch, exclude={"__all__": {"site", "plate"}})
    attributes = {first.id: {"event_type": "car"}, plain.id: {"event_type": "car", "lane": 2}}

    inserted = repo.add_json_with_attributes(
        as_json, [e.snapshot for e in batch], attributes, "ingest"
    )

    assert inserted == {first.id, plain.id}
    assert repo.get(first.id) == first  # the first of the two wins
    assert repo.get(plain.id) == plain
    assert repo.attributes(plain.id) == {"event_type": "car", "lane": 2}
    with db.engine.connect() as connection:
        query = text("SELECT snapshot_bytes FROM events ORDER BY snapshot_bytes")
        assert connection.execute(query).scalars().all() == [0, 1234]
