"""Seed 004's plate API over a plate event the real engine made from the generated clip:
GET /events/plate/{text} (exact, look-alike, one edit), plate search, snapshots blurred for a
labeler, 403 for an installer, an audit row per view, GET /stats, GET / and the watchlist."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.domain import Camera
from engine.server import create_app
from engine.storage.repos.plates import PlateRepository
from engine.storage.repos.users import UserRepository
from tests.engine.alpr.clip import write_moving_plate_clip
from tests.engine.alpr.engine_run import run_alpr_camera
from tests.engine.services.helpers import PASSWORD, World, make_settings, make_world, password_hash

PLATE = "4XXF538"
ROLES = ["operator", "labeler", "supervisor", "installer", "admin"]


@dataclass
class PlateServer:
    world: World
    client: TestClient
    event_id: str
    box: tuple[float, float, float, float]
    camera_id: str
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlateServer]:
    tmp = tmp_path_factory.mktemp("plates")
    world = make_world(f"sqlite:///{tmp / 'sentinel.db'}", tmp)
    camera = Camera(name="gate", source="unused")
    clip = write_moving_plate_clip(tmp / "clip.mp4")
    run_alpr_camera(make_settings(tmp), clip, camera.model_copy(update={"source": str(clip)}))
    (plate,) = PlateRepository(world.db).find(PLATE)
    assert plate.box is not None
    # Users limited to the plate camera, one per role.
    users = UserRepository(world.db)
    for role in ROLES:
        users.add(f"gate-{role}", password_hash(), role, [str(camera.id)])
    client = TestClient(create_app(world.services, make_settings(tmp)))
    headers = {}
    for role in ROLES:
        answer = client.post("/auth/login", json={"name": f"gate-{role}", "password": PASSWORD})
        headers[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    try:
        yield PlateServer(world, client, str(plate.id), plate.box, str(camera.id), headers)
    finally:
        client.close()
        world.close()


def _views(served: PlateServer, action: str = "view.plate") -> int:
    rows = served.world.services.audit_log.entries(action=action, limit=10_000)
    return sum(r.object == f"event:{served.event_id}" for r in rows)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (PLATE, True),
        (f"{PLATE}?fuzzy=false", True),
        ("4xx-f538?fuzzy=false", True),  # case and separators do not matter
        ("4XXFS38?fuzzy=false", True),  # look-alike S for 5: the same folded key
        ("4XXF53", True),  # one character missing
        ("4XXF53?fuzzy=false", False),
        ("4XXF5O8", True),  # one character changed (O, i.e. 0, for 3)
        ("4XXF5388", True),  # one extra
        ("4XYF5O8", False),  # two edits away
        ("ZZZ999", False),
    ],
)
def test_events_by_plate_exact_and_fuzzy(served: PlateServer, query: str, found: bool) -> None:
    answer = served.client.get(f"/events/plate/{query}", headers=served.headers["operator"])
    assert answer.status_code == 200, answer.text
    events = answer.json()
    assert [e["id"] for e in events] == ([served.event_id] if found else [])
    if found:
        assert events[0]["kind"] == "plate"
        assert events[0]["plate"]["text"] == PLATE


def test_every_clear_view_is_audited_and_search_filters_by_plate(served: PlateServer) -> None:
    supervisor = served.headers["supervisor"]
    before = _views(served)
    assert served.client.get(f"/events/{served.event_id}", headers=supervisor).status_code == 200
    found = served.client.get(f"/events/search?plate={PLATE}", headers=supervisor).json()
    assert [e["id"] for e in found] == [served.event_id]
    assert found[0]["plate"]["text"] == PLATE and found[0]["plate"]["crop"]
    recent = served.client.get("/events/recent", headers=served.headers["operator"]).json()
    assert [e["plate"]["text"] for e in recent if e["kind"] == "plate"] == [PLATE]
    assert _views(served) == before + 3
    none = served.client.get("/events/search?plate=ZZZ999", headers=supervisor).json()
    assert none == []
    bad = served.client.get("/events/search?plate=-%20-", headers=supervisor)
    assert bad.status_code == 422 and "plate" in bad.json()["detail"]


def _snapshot(served: PlateServer, role: str) -> np.ndarray:
    answer = served.client.get(f"/events/{served.event_id}/snapshot", headers=served.headers[role])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    return cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_GRAYSCALE)


def test_labeler_sees_masked_text_and_a_blurred_plate(served: PlateServer) -> None:
    labeler = served.headers["labeler"]
    before = _views(served) + _views(served, "view.plate_snapshot")
    event = served.client.get(f"/events/{served.event_id}", headers=labeler).json()
    assert event["plate"]["text"] == "4X•••38"
    assert event["plate"]["crop"] is None
    assert PLATE not in str(event)
    listed = served.client.get("/events/recent", headers=labeler).json()
    assert PLATE not in str(listed) and "4X•••38" in str(listed)
    # Searching by plate text would show it: a labeler may not.
    assert served.client.get(f"/events/plate/{PLATE}", headers=labeler).status_code == 403
    blurred, clear = _snapshot(served, "labeler"), _snapshot(served, "operator")
    x1, y1, x2, y2 = (int(v) for v in served.box)
    plate_region = (slice(y1, y2), slice(x1, x2))
    sharp = cv2.Laplacian(clear[plate_region], cv2.CV_64F).var()
    smooth = cv2.Laplacian(blurred[plate_region], cv2.CV_64F).var()
    assert smooth < sharp / 10, (smooth, sharp)
    # Outside the plate (and its margin) the picture is the same.
    far = (slice(0, max(y1 - 40, 1)), slice(None))
    assert np.abs(blurred[far].astype(int) - clear[far].astype(int)).mean() < 2
    # The labeler's views showed no plate: no audit row; the operator's snapshot left one.
    assert _views(served) + _views(served, "view.plate_snapshot") == before + 1


def test_installer_gets_nothing(served: PlateServer) -> None:
    installer = served.headers["installer"]
    for url in [
        f"/events/{served.event_id}",
        f"/events/{served.event_id}/snapshot",
        f"/events/plate/{PLATE}",
        "/events/recent",
        "/stats",
    ]:
        answer = served.client.get(url, headers=installer)
        assert (answer.status_code, answer.json()) == (403, {"detail": "forbidden"}), url


def test_other_cameras_users_do_not_find_it(served: PlateServer) -> None:
    operator_b = served.client.post(
        "/auth/login", json={"name": "operator-b", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {operator_b}"}
    assert served.client.get(f"/events/plate/{PLATE}", headers=headers).json() == []
    snapshot = served.client.get(f"/events/{served.event_id}/snapshot", headers=headers)
    assert snapshot.status_code == 403


def test_stats_count_plate_events_by_camera(served: PlateServer) -> None:
    stats = served.client.get("/stats", headers=served.headers["supervisor"]).json()
    assert stats["plate_events"] == 1 and stats["unique_plates"] == 1
    assert stats["plate_reads"] >= 1
    assert stats["plate_events_by_camera"] == {served.camera_id: 1}
    # The clip's car entered, left and showed its plate (the engine's retention pass removed
    # the world's older events).
    assert stats["total_events"] == 3 == sum(stats["events_by_class"].values())
    assert stats["watchlist_hits"] == 0
    assert served.client.get("/stats", headers=served.headers["operator"]).status_code == 403


def test_api_info_lists_seed_004s_endpoints(served: PlateServer) -> None:
    info = served.client.get("/").json()
    assert {
        "GET /",
        "GET /health",
        "GET /stats",
        "GET /events/recent",
        "GET /events/{event_id}",
        "GET /events/plate/{text}",
        "GET /events/camera/{camera_id}",
        "GET /events/search",
    } <= set(info["endpoints"])


def test_watchlist_for_supervisors(served: PlateServer) -> None:
    supervisor = served.headers["supervisor"]
    made = served.client.post(
        "/api/watchlist", json={"text": "ab-12 cd", "label": "stolen"}, headers=supervisor
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert (entry["folded"], entry["has_hmac"], entry["label"]) == ("A812CD", True, "stolen")
    listed = served.client.get("/api/watchlist", headers=supervisor).json()
    assert entry["id"] in [e["id"] for e in listed]
    operator = served.headers["operator"]
    assert served.client.get("/api/watchlist", headers=operator).status_code == 403
    bad = served.client.post(
        "/api/watchlist", json={"text": "--", "label": "x"}, headers=supervisor
    )
    assert bad.status_code == 422
    url = f"/api/watchlist/{entry['id']}"
    assert served.client.delete(url, headers=supervisor).status_code == 204
    assert served.client.delete(url, headers=supervisor).status_code == 404
    assert (
        served.client.delete(f"/api/watchlist/{uuid.uuid4()}", headers=supervisor).status_code
        == 422
    )
