"""Seed read routes with role and camera restrictions, /api/cameras and /metrics."""

from __future__ import annotations

from tests.engine.server.conftest import Served
from tests.engine.services.helpers import CAM_A, CAM_B


def _auth(served: Served, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.tokens[who]}"}


def test_recent_and_per_camera_follow_camera_rights(served: Served) -> None:
    operator = _auth(served, "operator")  # CAM_A only
    recent = served.client.get("/events/recent", headers=operator).json()
    assert recent and {e["camera_id"] for e in recent} == {CAM_A}
    assert served.client.get(f"/events/camera/{CAM_B}", headers=operator).status_code == 403
    mine = served.client.get(f"/events/camera/{CAM_A}", headers=operator).json()
    assert {e["camera_id"] for e in mine} == {CAM_A}
    api = served.client.get(f"/api/events?camera={CAM_B}", headers=_auth(served, "supervisor"))
    assert {e["camera_id"] for e in api.json()} == {CAM_B}


def test_search_filters_by_class_and_needs_search(served: Served) -> None:
    supervisor = _auth(served, "supervisor")
    cars = served.client.get("/events/search?class=car&limit=500", headers=supervisor).json()
    assert cars and {e["class_name"] for e in cars} == {"car"}
    none = served.client.get("/events/search?class=zebra", headers=supervisor).json()
    assert none == []
    operator = served.client.get("/events/search", headers=_auth(served, "operator"))
    assert operator.status_code == 403


def test_analytics_counts_by_kind_and_class(served: Served) -> None:
    counts = served.client.get(
        f"/analytics/counts?camera_id={CAM_A}", headers=_auth(served, "supervisor")
    ).json()
    assert counts["total"] == counts["by_class"]["car"] >= 2
    assert counts["by_kind"]["entered"] == counts["total"]


def test_cameras_add_list_remove_and_bad_sources(served: Served) -> None:
    admin = _auth(served, "admin")
    bad = served.client.post(
        "/api/cameras", json={"name": "x", "source": "/no/such/file.mp4"}, headers=admin
    )
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "source: no such video file on the server",
    )
    trick = served.client.post(
        "/api/cameras", json={"name": "x", "source": "file:///etc/passwd"}, headers=admin
    )
    assert trick.status_code == 422
    made = served.client.post(
        "/api/cameras", json={"name": "gate", "source": "rtsp://127.0.0.1:9/gate"}, headers=admin
    )
    assert made.status_code == 201, made.text
    camera_id = made.json()["id"]
    listed = served.client.get("/api/cameras", headers=admin).json()
    assert camera_id in [c["id"] for c in listed]
    # An operator limited to other cameras does not see it, nor its source.
    assert camera_id not in [
        c["id"] for c in served.client.get("/api/cameras", headers=_auth(served, "operator")).json()
    ]
    assert served.client.delete(f"/api/cameras/{camera_id}", headers=admin).status_code == 204
    assert served.client.delete(f"/api/cameras/{camera_id}", headers=admin).status_code == 404
    assert served.client.delete("/api/cameras/..%2F..", headers=admin).status_code == 404


def test_metrics_are_prometheus_text(served: Served) -> None:
    answer = served.client.get("/metrics")
    assert answer.status_code == 200
    assert "sentinel_ingest_events_total" in answer.text
