"""Two engines sharing one broker and one database (a cluster), each with the gateway
`sentinel-engine serve` starts: both stay connected (their broker sessions and logins are their
own, so neither drops or locks out the other), a device's message is stored once, and both
engines' live device updates carry it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices import DeviceGateway
from engine.devices.broker import ADMIN_USER, PrivateBroker
from engine.devices.broker_logins import BrokerLogins
from engine.devices.engine_gateway import engine_identity, gateway_login, start_engine_gateway
from engine.storage.database import Database
from tests.engine.devices.conftest import wait_for

READINGS = 20


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path / "broker") as running:
        yield running


def test_each_engine_gets_its_own_stable_identity(tmp_path: Path) -> None:
    one, other = tmp_path / "engine-a", tmp_path / "engine-b"
    assert engine_identity(one, "pole-7") == engine_identity(one, "pole-7")  # a restart
    assert engine_identity(one, "pole-7") != engine_identity(other, "pole-7")  # two on a host
    assert engine_identity(one, "pole 7.local").startswith("pole-7-local-")
    names = {gateway_login("smartstop", engine_identity(d, "pole-7")) for d in (one, other)}
    assert len(names) == 2 and all("." in name for name in names)  # never a device id


def test_two_engines_on_one_broker_both_stay_connected_and_store_once(
    db: Database, broker: PrivateBroker, root: str, tmp_path: Path
) -> None:
    logins = BrokerLogins(broker.url, ADMIN_USER, broker.admin_password, root=root)
    gateways: list[DeviceGateway] = []
    seen: dict[int, set[tuple[str, str]]] = {0: set(), 1: set()}
    lock = threading.Lock()
    try:
        for index, folder in enumerate(("engine-a", "engine-b")):
            identity = engine_identity(tmp_path / folder)
            gateway = start_engine_gateway(db, broker.url, root, logins, identity)

            def note(activity, index=index) -> None:
                with lock:
                    seen[index].update((a.device_id, k) for a in activity for k in a.kinds)

            gateway.add_listener(note)
            gateways.append(gateway)

        password = logins.add_device("esp32-101")
        device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="esp32-101")
        device.username_pw_set("esp32-101", password)
        device.connect(broker.host, broker.port)
        device.loop_start()
        try:
            for seq in range(1, READINGS + 1):
                payload = {"device_id": "esp32-101", "location": "Quay", "boot": 1, "seq": seq}
                payload |= {"timestamp": time.time(), "value": 20.0 + seq, "unit": "C"}
                topic = f"{root}/sensors/temperature/esp32-101"
                device.publish(topic, json.dumps(payload), qos=1).wait_for_publish(5)
        finally:
            device.disconnect()
            device.loop_stop()

        def all_stored() -> bool:
            for gateway in gateways:
                gateway.wait_idle(1)
            return gateways[0].readings.count() >= READINGS

        wait_for(all_stored, what="the device's readings stored")
        time.sleep(2)  # a session taken over would show as a drop and a reconnect by now
        for gateway in gateways:
            gateway.wait_idle(1)
        assert gateways[0].readings.count() == READINGS  # each reading once, not twice
        assert [g.connects for g in gateways] == [1, 1]
        assert all(g.connected for g in gateways)
        # Both engines received every message: their viewers' live updates have it.
        assert [g.stats().received for g in gateways] == [READINGS, READINGS]
        assert seen[0] == seen[1] == {("esp32-101", "temperature")}
    finally:
        for gateway in gateways:
            gateway.stop(forget_session=True)
