"""Registering a device over the fleet API also makes its MQTT login on the engine's broker
(Mosquitto with dynamic security): the virtual device (the firmware's host build) logs in with
what /register answered and its readings come back through /api/readings; revoking it cuts it
off at the broker and over HTTP; with the broker down, registration fails cleanly (503)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.devices import DeviceGateway
from engine.devices.broker import ADMIN_USER, PrivateBroker
from engine.devices.broker_logins import BrokerLogins
from engine.security.tokens import JwtCodec
from engine.server import create_app
from tests.engine.devices.conftest import Devices, wait_for
from tests.engine.services.helpers import JWT_SECRET, make_settings, make_world


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def site(broker: PrivateBroker, root: str, tmp_path: Path) -> Iterator[tuple]:
    mqtt = {
        "MQTT_BROKER": broker.url,
        "MQTT_TOPIC_ROOT": root,
        "MQTT_ADMIN_USER": ADMIN_USER,
        "MQTT_ADMIN_PASSWORD": broker.admin_password,
    }
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path, **mqtt)
    logins = BrokerLogins(broker.url, ADMIN_USER, broker.admin_password, root=root)
    gateway = DeviceGateway(
        world.db,
        broker.url,
        root,
        client_id=f"gw-{root}",
        username="gateway",
        password=logins.add_service("gateway"),
    )
    gateway.start()
    codec = JwtCodec(JWT_SECRET, 3600)
    tokens = {}
    for role in ("installer", "supervisor"):
        user = world.services.users._users.get_by_name(role)
        tokens[role] = {"Authorization": f"Bearer {codec.issue(str(user.id), role)[0]}"}
    app = create_app(world.services, make_settings(tmp_path, **mqtt))
    with TestClient(app) as client:
        yield client, tokens, gateway
    gateway.stop(forget_session=True)
    world.close()


def test_registered_device_publishes_with_its_login_until_revoked(
    site, devices: Devices, broker: PrivateBroker, tmp_path: Path
) -> None:
    client, tokens, gateway = site
    answer = client.post("/register", json={"device_id": "stop-0001"}, headers=tokens["installer"])
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert registered["mqtt_username"] == "stop-0001" and len(registered["mqtt_password"]) >= 16
    credentials = tmp_path / "credentials.txt"
    credentials.write_text(f"stop-0001 {registered['mqtt_password']}\n")
    device = devices.start(
        count=1,
        duration=0,
        rate=5,
        prefix="stop",
        first=1,
        broker=f"{broker.host}:{broker.port}",
        credentials=credentials,
    )

    def readings() -> list:
        gateway.wait_idle(1)
        got = client.get("/api/readings?device=stop-0001", headers=tokens["supervisor"])
        assert got.status_code == 200, got.text
        return got.json()

    wait_for(lambda: len(readings()) >= 5, what="the device's readings over the API")

    assert client.delete("/devices/stop-0001", headers=tokens["supervisor"]).status_code == 403
    assert client.delete("/devices/stop-0001", headers=tokens["installer"]).status_code == 204
    time.sleep(1.5)  # what was in flight at the revocation lands
    settled = len(readings())
    time.sleep(3.0)  # at 5 messages/s a connected device would add ~15
    assert len(readings()) == settled, "the revoked device still publishes"
    heartbeat = client.post("/heartbeat/stop-0001", headers={"x-api-key": registered["key"]})
    assert heartbeat.status_code == 401
    report = devices.stop(device)
    assert report["connects"] == 1, "the device must not have got back in"


def test_broker_down_registration_fails_cleanly(site, broker: PrivateBroker) -> None:
    client, tokens, _ = site
    broker.stop()
    answer = client.post("/register", json={"device_id": "stop-0002"}, headers=tokens["installer"])
    assert answer.status_code == 503
    assert "device broker" in answer.json()["detail"]
    listed = client.get("/devices", headers=tokens["supervisor"]).json()
    assert all(d["device_id"] != "stop-0002" or not d.get("online") for d in listed)
