"""Seed 003's image API over HTTP: a device uploads a real camera image (decoded to check it),
the Fleet view lists and fetches it byte for byte, and the engine's detector runs on it."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from engine.domain import box_iou
from tests.engine.server.fleet_helpers import FORBIDDEN, NOT_FOUND, Fleet, fleet, key
from tests.engine.services.helpers import API_KEY
from tests.helpers import STREET, read_frame

__all__ = ["fleet"]  # the fixture
FILENAME = re.compile(r"^[0-9a-f]{32}\.jpg$")
# Frame 120 of the street clip (see tests/engine/vision/test_detector.py): the silver car in the
# foreground, counted by eye among six or more cars.
FOREGROUND_CAR = [261, 139, 335, 204]


@pytest.fixture(scope="module")
def street_jpeg() -> bytes:
    ok, encoded = cv2.imencode(".jpg", read_frame(STREET, 120))
    assert ok
    return encoded.tobytes()


def upload(fleet: Fleet, headers: dict[str, str], data: bytes, device_id: str, **form: str):
    files = {"image": ("capture.jpg", data, "image/jpeg")}
    fields = {"device_id": device_id, **form}
    return fleet.client.post("/api/upload", files=files, data=fields, headers=headers)


def test_uploaded_image_is_listed_and_served_byte_for_byte(fleet: Fleet, street_jpeg) -> None:
    stop = fleet.register("esp32_001", kind="esp32", location="bus_stop_01")
    answer = upload(fleet, key(stop), street_jpeg, "esp32_001", location="bus_stop_01")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "success" and FILENAME.match(body["filename"])
    meta = body["metadata"]
    assert (meta["device_id"], meta["location"], meta["content_type"]) == (
        "esp32_001",
        "bus_stop_01",
        "image/jpeg",
    )
    assert (meta["width"], meta["height"], meta["bytes"]) == (640, 352, len(street_jpeg))
    assert "filepath" not in body  # no server paths in answers
    supervisor = fleet.as_role("supervisor")
    listed = fleet.client.get("/api/images?device_id=esp32_001", headers=supervisor).json()
    assert [i["filename"] for i in listed] == [body["filename"]]
    got = fleet.client.get(f"/api/images/{body['filename']}", headers=supervisor)
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/jpeg"
    assert got.content == street_jpeg
    assert fleet.client.get("/api/images?device_id=esp32_999", headers=supervisor).json() == []


def test_non_images_and_oversized_uploads_are_refused(fleet: Fleet) -> None:
    device = {"x-api-key": API_KEY}
    text = upload(fleet, device, b"this is a text file, not a JPEG\n" * 10, "esp32_002")
    assert text.status_code == 415, text.text
    assert "image" in text.json()["detail"]
    huge = b"\xff\xd8\xff\xe0" + bytes(10 * 1024 * 1024)
    too_big = upload(fleet, device, huge, "esp32_002")
    assert too_big.status_code == 413, too_big.text
    assert "10485760" in too_big.json()["detail"]
    no_image = fleet.client.post(
        "/api/upload", data={"device_id": "esp32_002"}, files={"other": ("a", b"x")}, headers=device
    )
    assert no_image.status_code == 422
    assert fleet.client.get("/api/images", headers=fleet.as_role("admin")).json() == []


def test_path_tricks_find_nothing(fleet: Fleet, street_jpeg) -> None:
    stored = upload(fleet, {"x-api-key": API_KEY}, street_jpeg, "esp32_006").json()["filename"]
    blob_dir = fleet.client.get(f"/api/images/{stored}", headers=fleet.as_role("admin"))
    assert blob_dir.status_code == 200
    for name in [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2fsentinel.db",
        "..%5C..%5Csentinel.db",
        "uploads%2F2026%2F01%2F01%2F" + stored,  # a blob key is not a filename
        "%2E%2E%2F" + stored,
        "0" * 32 + ".jpg",  # well formed, never uploaded
        stored.upper(),
        "sentinel.db",
    ]:
        answer = fleet.client.get(f"/api/images/{name}", headers=fleet.as_role("supervisor"))
        assert answer.status_code in (404, 422), (name, answer.text)
        # Ours, or the router's own when a decoded slash leaves no route at all.
        assert answer.json()["detail"].lower() in (NOT_FOUND["detail"], "not found"), name
        assert answer.content != blob_dir.content


def test_a_device_key_uploads_only_as_its_own_device(fleet: Fleet, street_jpeg) -> None:
    a, _b = fleet.register("stop-a"), fleet.register("stop-b")
    as_b = upload(fleet, key(a), street_jpeg, "stop-b")
    assert (as_b.status_code, as_b.json()) == (403, FORBIDDEN)
    as_new = upload(fleet, key(a), street_jpeg, "stop-new")  # a bound key names no other device
    assert as_new.status_code == 403
    shared = {"x-api-key": API_KEY}
    assert upload(fleet, shared, street_jpeg, "stop-b").status_code == 403  # bound to its key
    assert upload(fleet, shared, street_jpeg, "esp32_003").status_code == 201  # unregistered
    assert upload(fleet, fleet.as_role("supervisor"), street_jpeg, "esp32_003").status_code == 403
    bad_id = upload(fleet, shared, street_jpeg, "../stop")
    assert bad_id.status_code == 422
    listed = fleet.client.get("/api/images", headers=fleet.as_role("installer")).json()
    assert [i["device_id"] for i in listed] == ["esp32_003"]


def test_listing_pages_newest_first(fleet: Fleet, street_jpeg) -> None:
    shared = {"x-api-key": API_KEY}
    names = [upload(fleet, shared, street_jpeg, "esp32_004").json()["filename"] for _ in range(3)]
    admin = fleet.as_role("admin")
    first = fleet.client.get("/api/images?limit=2", headers=admin).json()
    rest = fleet.client.get("/api/images?limit=2&offset=2", headers=admin).json()
    assert [i["filename"] for i in first + rest] == names[::-1]
    assert fleet.client.get("/api/images?limit=0", headers=admin).status_code == 422
    assert fleet.client.get("/api/images", headers=fleet.as_role("operator")).status_code == 403


def test_inference_finds_the_cars_of_a_stored_street_frame(fleet: Fleet, street_jpeg) -> None:
    stored = upload(fleet, {"x-api-key": API_KEY}, street_jpeg, "esp32_005").json()["filename"]
    supervisor = fleet.as_role("supervisor")
    answer = fleet.client.post("/api/inference", json={"filename": stored}, headers=supervisor)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["filename"], result["width"], result["height"]) == (stored, 640, 352)
    records = result["detections"]
    assert set(records[0]) == {"class", "class_id", "score", "box", "track_id"}
    cars = [r for r in records if r["class"] == "car"]
    assert len(cars) >= 6
    boxes = np.array([r["box"] for r in cars])
    assert box_iou(np.array([FOREGROUND_CAR]), boxes).max() >= 0.7
    trucks = fleet.client.post(
        "/api/inference", json={"filename": stored, "classes": ["truck"]}, headers=supervisor
    ).json()["detections"]
    assert {r["class"] for r in trucks} <= {"truck"}
    for name in ["../" + stored, "0" * 32 + ".jpg"]:
        missing = fleet.client.post("/api/inference", json={"filename": name}, headers=supervisor)
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    device = fleet.client.post(
        "/api/inference", json={"filename": stored}, headers={"x-api-key": API_KEY}
    )
    assert device.status_code == 403
