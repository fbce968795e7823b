"""POST /ingest, /ingest/message and /upload through the real app and database: validation,
limits, idempotent retries and the field policy on a real write."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from engine.security.policy import plate_hmac
from engine.server import create_app
from tests.engine.services.helpers import (
    API_KEY,
    HMAC_KEY,
    PASSWORD,
    World,
    ingest_event,
    make_settings,
    make_world,
)

DEVICE = {"x-api-key": API_KEY}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    world = make_world(database_url, tmp_path)
    with TestClient(create_app(world.services, make_settings(tmp_path))) as client:
        yield world, client
    world.close()


def stored(world: World) -> int:
    with world.db.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())


def test_batch_gives_per_event_results_and_a_retry_is_not_a_duplicate(app) -> None:
    world, client = app
    before = stored(world)
    batch = [ingest_event(), ingest_event(event_type="person"), ingest_event()]
    first = client.post("/ingest", json=batch, headers=DEVICE)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["stored", "denied", "stored"]
    again = client.post("/ingest", json=batch, headers=DEVICE).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "denied", "duplicate"]
    assert stored(world) == before + 2
    single = client.post("/ingest", json=ingest_event(), headers=DEVICE).json()
    assert single["stored"] == 1


def test_events_are_stored_as_sent_in_utc_with_their_snapshot_size(app) -> None:
    world, client = app
    blob = client.post("/upload", files={"file": ("a.png", _png(), "image/png")}, headers=DEVICE)
    key = blob.json()["key"]
    sent = [
        ingest_event(
            kind="left",
            track_id=12,
            class_id=2,
            score=0.8125,
            box=[1.5, 2.25, 300, 400.125],
            timestamp="2026-02-01T12:30:15.123456+02:00",
            pts=12.345,
            snapshot=key,
            site="elsewhere",  # an extra field: an attribute, never the event's site
        ),
        ingest_event(timestamp="2026-02-01T10:00:00"),  # no zone: UTC
    ]
    assert client.post("/ingest", json=sent, headers=DEVICE).json()["stored"] == 2
    repo = world.services.ingest._events
    first, second = (repo.get(uuid.UUID(str(item["id"]))) for item in sent)
    assert first is not None and second is not None
    assert (first.kind.value, first.track_id, first.class_id) == ("left", 12, 2)
    assert (first.score, first.box, first.pts) == (0.8125, (1.5, 2.25, 300.0, 400.125), 12.345)
    assert first.timestamp == datetime(2026, 2, 1, 10, 30, 15, 123456, tzinfo=timezone.utc)
    assert (first.snapshot, first.site) == (key, "local")
    assert second.timestamp == datetime(2026, 2, 1, 10, 0, tzinfo=timezone.utc)
    assert (second.kind.value, second.track_id, second.class_id, second.pts) == (
        "entered",
        0,
        -1,
        0.0,
    )
    with world.db.engine.connect() as connection:
        size = connection.execute(
            text("SELECT snapshot_bytes FROM events WHERE snapshot = :key"), {"key": key}
        ).scalar_one()
    assert size == len(_png())


def test_bus_envelope_goes_through_the_same_intake(app) -> None:
    world, client = app
    payload = [ingest_event(), ingest_event(class_name="face")]
    body = {"topic": "smartpole/events", "payload": payload}
    answer = client.post("/ingest/message", json=body, headers=DEVICE)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stored"], answer.json()["denied"]) == (1, 1)


def test_redacted_plate_is_stored_only_as_its_hmac(app) -> None:
    world, client = app
    plate = "4XAB738"
    item = ingest_event(plate_text=plate, plate_normalized=plate, driver_name="Jane Roe")
    assert client.post("/ingest", json=item, headers=DEVICE).json()["stored"] == 1
    attributes = world.services.ingest._events.attributes(uuid.UUID(item["id"]))
    assert attributes is not None
    assert attributes["plate_text_hmac"] == plate_hmac(HMAC_KEY.encode(), "4XA8738")
    dumped = repr(attributes)
    assert plate not in dumped and "Jane" not in dumped and "driver_name" not in dumped
    admin = client.post("/auth/login", json={"name": "admin", "password": PASSWORD}).json()
    shown = client.get(
        f"/events/{item['id']}", headers={"Authorization": f"Bearer {admin['access_token']}"}
    )
    assert shown.status_code == 200 and plate not in shown.text


def _too_many() -> list[dict[str, Any]]:
    return [ingest_event() for _ in range(1001)]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b'{"camera_id": "x", ', 422, "malformed JSON"),
        (b"[]", 422, "no events"),
        (b'"just a string"', 422, "event 0"),
        (None, 422, "score"),  # filled in below: wrong type
        (None, 413, "at most 1000 events"),
        (None, 422, "event 1: snapshot: not a valid blob key"),
        (None, 422, "no such blob"),
        (None, 422, "must be a string, number, bool or null"),
        (
            b'[{"camera_id": "c", "class_name": "car", "score": 0.5, "box": [NaN, 0, 9, 9]}]',
            422,
            "box",
        ),
        (None, 422, "track_id"),
    ],
    ids=[
        "malformed",
        "empty",
        "not-object",
        "wrong-type",
        "too-many",
        "path-trick",
        "unknown-blob",
        "nested-extra",
        "nan-box",
        "track-id-beyond-32-bit",
    ],
)
def test_bad_bodies_are_4xx_with_a_clear_message_and_store_nothing(
    app, body: bytes | None, status: int, message: str, request: pytest.FixtureRequest
) -> None:
    world, client = app
    case = request.node.callspec.id  # e.g. "postgres-wrong-type"
    bodies = {
        "wrong-type": [ingest_event(), ingest_event(score="high")],
        "too-many": _too_many(),
        "path-trick": [ingest_event(), ingest_event(snapshot="../../etc/passwd")],
        "unknown-blob": [ingest_event(snapshot="uploads/2026/01/01/nothing.jpg")],
        "nested-extra": [ingest_event(plate={"text": "X"})],
        "track-id-beyond-32-bit": [ingest_event(track_id=2**31)],
    }
    json_body = next((b for name, b in bodies.items() if case.endswith(name)), None)
    before = stored(world)
    if json_body is not None:
        answer = client.post("/ingest", json=json_body, headers=DEVICE)
    else:
        answer = client.post("/ingest", content=body, headers=DEVICE)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]
    assert stored(world) == before


def _png() -> bytes:
    ok, data = cv2.imencode(".png", np.full((24, 32, 3), 200, np.uint8))
    assert ok
    return data.tobytes()


def test_upload_stores_a_real_image_and_its_key_works_as_a_snapshot(app) -> None:
    world, client = app
    answer = client.post("/upload", files={"file": ("a.png", _png(), "image/png")}, headers=DEVICE)
    assert answer.status_code == 201, answer.text
    blob = answer.json()
    assert (blob["width"], blob["height"], blob["content_type"]) == (32, 24, "image/png")
    assert world.services.ingest._blobs.read(blob["key"]) == _png()
    result = client.post("/ingest", json=ingest_event(snapshot=blob["key"]), headers=DEVICE).json()
    assert result["stored"] == 1


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (b"GIF89a not really an image", 415, "not a decodable image"),
        (b"\xff\xd8\xff" + b"\x00" * 100, 415, "not a decodable image"),
        (b"x" * (10 * 1024 * 1024 + 10), 413, "larger than"),
        (b"", 422, "empty upload"),
    ],
    ids=["text", "broken-jpeg", "too-big", "empty"],
)
def test_bad_uploads_are_refused_and_store_nothing(
    app, payload: bytes, status: int, message: str
) -> None:
    world, client = app
    blobs = world.services.ingest._blobs
    before = blobs.total_bytes()
    answer = client.post(
        "/upload", files={"file": ("x.jpg", payload, "image/jpeg")}, headers=DEVICE
    )
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]
    assert blobs.total_bytes() == before


def test_upload_without_a_file_field_is_422(app) -> None:
    _, client = app
    answer = client.post("/upload", data={"other": "x"}, headers=DEVICE)
    assert (answer.status_code, answer.json()["detail"]) == (
        422,
        "expected a multipart/form-data body with an image in 'file'",
    )
