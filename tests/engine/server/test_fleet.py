"""SmartPole's fleet API over HTTP (seeds 000/001): an installer registers a Jetson and gets its
key once; the key heartbeats its own device only; config is versioned; supervisors read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.storage.repos.readings import ReadingRepository
from tests.engine.server.fleet_helpers import FORBIDDEN, NOT_FOUND, Fleet, fleet, key
from tests.engine.services.helpers import API_KEY

__all__ = ["fleet"]  # the fixture


def test_registered_key_heartbeats_its_device_online(fleet: Fleet) -> None:
    jetson = fleet.register("jetson-01", kind="jetson", location="pole_7", heartbeat_interval_s=10)
    assert jetson["key"].startswith("snk_") and jetson["config_version"] == 1
    listed = fleet.devices()["jetson-01"]
    assert (listed["online"], listed["registered"], listed["location"]) == (False, True, "pole_7")
    assert listed["last_seen"] is None
    beat = {"firmware": "edge-1.4.2", "metrics": {"cpu_percent": 37.5, "temp_c": 51.0}}
    answer = fleet.client.post("/heartbeat/jetson-01", json=beat, headers=key(jetson))
    assert answer.status_code == 200, answer.text
    assert answer.json()["online"] is True and answer.json()["config_version"] == 1
    listed = fleet.devices()["jetson-01"]
    assert (listed["online"], listed["firmware"], listed["status"]) == (True, "edge-1.4.2", "ok")
    assert listed["metrics"] == {"cpu_percent": 37.5, "temp_c": 51.0}
    assert listed["heartbeat_interval_s"] == 10
    # No body is a plain "I am alive"; a clean shutdown says offline.
    assert fleet.client.post("/heartbeat/jetson-01", headers=key(jetson)).status_code == 200
    bye = fleet.client.post("/heartbeat/jetson-01", json={"status": "offline"}, headers=key(jetson))
    assert bye.json()["online"] is False
    assert fleet.devices()["jetson-01"]["online"] is False
    # The key is listed with the other device keys, never shown again.
    keys = fleet.client.get("/device-keys", headers=fleet.as_role("installer")).json()
    mine = [k for k in keys if k["id"] == jetson["key_id"]]
    assert mine and mine[0]["name"] == "jetson-01" and "token" not in mine[0]


def test_a_key_reports_and_reads_config_only_for_its_own_device(fleet: Fleet) -> None:
    a, b = fleet.register("jetson-a"), fleet.register("jetson-b")
    for headers in (key(a), {"x-api-key": API_KEY}):
        for method, url in [("POST", "/heartbeat/jetson-b"), ("GET", "/config/jetson-b")]:
            answer = fleet.client.request(method, url, headers=headers)
            assert (answer.status_code, answer.json()) == (403, FORBIDDEN), (method, url)
    # Users do not heartbeat for devices, not even admins.
    for role in ("installer", "admin"):
        answer = fleet.client.post("/heartbeat/jetson-b", headers=fleet.as_role(role))
        assert answer.status_code == 403, role
    assert fleet.devices()["jetson-b"]["last_seen"] is None
    assert fleet.client.post("/heartbeat/jetson-b", headers=key(b)).status_code == 200
    unknown = fleet.client.post("/heartbeat/nobody", headers=key(b))
    assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
    bad_body = fleet.client.post("/heartbeat/jetson-b", json={"status": "dancing"}, headers=key(b))
    assert bad_body.status_code == 422


def test_revoked_key_is_401_and_the_device_can_be_registered_again(fleet: Fleet) -> None:
    first = fleet.register("jetson-r")
    again = fleet.client.post(
        "/register", json={"device_id": "jetson-r"}, headers=fleet.as_role("admin")
    )
    assert again.status_code == 409  # a live key: revoke it first
    revoked = fleet.client.delete(
        f"/device-keys/{first['key_id']}", headers=fleet.as_role("installer")
    )
    assert revoked.status_code == 204
    answer = fleet.client.post("/heartbeat/jetson-r", headers=key(first))
    assert (answer.status_code, answer.json()) == (401, {"detail": "not authenticated"})
    second = fleet.register("jetson-r")
    assert second["key"] != first["key"]
    assert fleet.client.post("/heartbeat/jetson-r", headers=key(second)).status_code == 200
    assert fleet.client.post("/heartbeat/jetson-r", headers=key(first)).status_code == 401


def test_supervisor_reads_the_fleet_but_cannot_register_or_write_config(fleet: Fleet) -> None:
    fleet.register("jetson-s")
    supervisor = fleet.as_role("supervisor")
    attempts = [
        ("POST", "/register", {"device_id": "sneaky"}),
        ("PUT", "/config/jetson-s", {"config": {"fps": 1}}),
    ]
    for method, url, body in attempts:
        answer = fleet.client.request(method, url, json=body, headers=supervisor)
        assert (answer.status_code, answer.json()) == (403, FORBIDDEN), url
    assert "sneaky" not in fleet.devices()
    one = fleet.client.get("/devices/jetson-s", headers=supervisor)
    assert one.status_code == 200 and one.json()["device_id"] == "jetson-s"
    for role in ("operator", "labeler"):
        assert fleet.client.get("/devices", headers=fleet.as_role(role)).status_code == 403
    assert fleet.client.get("/devices", headers={"x-api-key": API_KEY}).status_code == 403


def test_config_round_trip_is_versioned(fleet: Fleet) -> None:
    jetson = fleet.register("jetson-c", config={"fps": 5, "classes": ["car", "bus"]})
    mine = fleet.client.get("/config/jetson-c", headers=key(jetson)).json()
    assert (mine["version"], mine["config"]) == (1, {"fps": 5, "classes": ["car", "bus"]})
    installer = fleet.as_role("installer")
    put = fleet.client.put(
        "/config/jetson-c", json={"config": {"fps": 10}, "if_version": 1}, headers=installer
    )
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["config"]) == (2, {"fps": 10})
    # The device learns of the change from its next heartbeat, then reads it.
    beat = fleet.client.post("/heartbeat/jetson-c", headers=key(jetson)).json()
    assert beat["config_version"] == 2
    mine = fleet.client.get("/config/jetson-c", headers=key(jetson)).json()
    assert (mine["version"], mine["config"]) == (2, {"fps": 10})
    stale = fleet.client.put(
        "/config/jetson-c", json={"config": {"fps": 1}, "if_version": 1}, headers=installer
    )
    assert stale.status_code == 409
    assert fleet.devices()["jetson-c"]["config"] == {"fps": 10}
    big = {"config": {"blob": "x" * 20_000}}
    assert fleet.client.put("/config/jetson-c", json=big, headers=installer).status_code == 422
    missing = fleet.client.put("/config/nobody", json={"config": {}}, headers=installer)
    assert missing.status_code == 404


def test_registration_input_is_checked(fleet: Fleet) -> None:
    installer = fleet.as_role("installer")
    for body in [
        {"device_id": "../etc"},
        {"device_id": "x" * 65},
        {"device_id": "ok", "kind": "toaster"},
        {"device_id": "ok", "heartbeat_interval_s": 0},
        {"device_id": "ok", "surprise": 1},
    ]:
        answer = fleet.client.post("/register", json=body, headers=installer)
        assert answer.status_code == 422, body
    assert "ok" not in fleet.devices()


def test_readings_by_device_kind_and_time(fleet: Fleet) -> None:
    base = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    rows = [
        {
            "device_id": device,
            "boot": 1,
            "seq": seq,
            "kind": kind,
            "ts": base + timedelta(minutes=seq),
            "received_at": base + timedelta(minutes=seq),
            "location": "bus_stop_01",
            "value": float(seq),
            "unit": "cm" if kind == "ultrasonic" else "C",
            "data": None,
        }
        for device in ("esp32_001", "esp32_002")
        for seq, kind in enumerate(["ultrasonic", "temperature"] * 3, start=1)
    ]
    ReadingRepository(fleet.world.db).add_many(rows)
    params = {
        "device": "esp32_001",
        "kind": "ultrasonic",
        "start": (base + timedelta(minutes=2)).isoformat(),
        "end": (base + timedelta(minutes=5)).isoformat(),
    }
    answer = fleet.client.get("/api/readings", params=params, headers=fleet.as_role("supervisor"))
    assert answer.status_code == 200, answer.text
    found = [(r["device_id"], r["kind"], r["seq"], r["value"]) for r in answer.json()]
    assert found == [("esp32_001", "ultrasonic", 3, 3.0)]  # seq 1 before start, 5 at end
    everything = fleet.client.get("/api/readings", headers=fleet.as_role("installer")).json()
    assert len(everything) == 12
    backwards = {**params, "start": params["end"], "end": params["start"]}
    assert (
        fleet.client.get("/api/readings", params=backwards, headers=fleet.as_role("admin"))
    ).status_code == 422
    assert fleet.client.get("/api/readings", headers=fleet.as_role("operator")).status_code == 403
