"""Virtual devices (the firmware's host build) -> the machine's Mosquitto -> gateway -> database,
on SQLite and PostgreSQL: values, loss, last will, commands with acks and config pushes."""

from __future__ import annotations

import pytest

from engine.devices import DeviceCommand, DeviceConfigPatch, DeviceGateway
from tests.engine.devices.conftest import Devices, Recorder, wait_for


def readings_of(gateway: DeviceGateway, device_id: str, kind: str | None = None):
    return gateway.readings.list(device_id=device_id, kind=kind, limit=100_000)


@pytest.mark.parametrize("qos", [0, 1])
def test_every_published_message_is_stored_with_its_values(
    gateway: DeviceGateway, devices: Devices, recorder: Recorder, qos: int
) -> None:
    report = Devices.report(devices.start(count=3, duration=1.5, rate=5, qos=qos))
    assert report["sent"] > 3 * 3 * 5 and report["errors"] == 0

    def stored() -> bool:
        gateway.wait_idle(1)
        return gateway.readings.count() >= report["sent"]

    wait_for(stored, what="every sent message stored")
    rows = {(r.device_id, r.boot, r.seq): r for r in gateway.readings.list(limit=100_000)}
    assert len(rows) == report["sent"]
    assert all(span.lost == 0 for span in gateway.readings.spans())
    # Each stored row is exactly what went over the wire.
    sensor_messages = recorder.json("/sensors/")
    assert len(sensor_messages) == sum(1 for r in rows.values() if r.unit is not None)
    for message in sensor_messages:
        row = rows[(message["device_id"], message["boot"], message["seq"])]
        assert (row.value, row.unit, row.location) == (
            message["value"],
            message["unit"],
            message["location"],
        )
        assert row.ts.timestamp() == pytest.approx(message["timestamp"], abs=1e-3)
    registry = {d.device_id: d for d in gateway.devices.list()}
    assert sorted(registry) == ["vdev-0000", "vdev-0001", "vdev-0002"]
    assert all(d.firmware == "0.1.0" and not d.online for d in registry.values())
    assert {d.status_reason for d in registry.values()} == {"shutdown"}
    assert gateway.stats().rejected_total == 0


def test_killed_device_goes_offline_by_its_will_and_comes_back(
    gateway: DeviceGateway, devices: Devices
) -> None:
    def device():
        return gateway.devices.get("vdev-0000")

    process = devices.start(count=1)
    wait_for(lambda: device() and device().online, what="device online")
    assert device().boot == 1
    process.kill()  # no clean shutdown: the broker publishes the will
    process.wait(10)
    wait_for(lambda: not device().online, what="offline by last will")
    assert device().status_reason == "connection lost"
    assert gateway.stats().wills == 1

    restarted = devices.start(count=1)
    wait_for(lambda: device().online, what="device back online")
    assert device().boot == 2  # the boot counter survived in the device's storage
    devices.stop(restarted)
    wait_for(lambda: not device().online and device().status_reason == "shutdown", what="shutdown")


def test_command_is_executed_and_acknowledged(gateway: DeviceGateway, devices: Devices) -> None:
    devices.start(count=1, rate=1)
    wait_for(lambda: gateway.devices.get("vdev-0000"), what="device registered")
    wait_for(lambda: gateway.devices.get("vdev-0000").online, what="device online")
    gateway.send_command("vdev-0000", DeviceCommand(id="cmd-1", command="BEEP"))
    gateway.send_command("vdev-0000", DeviceCommand(id="cmd-2", command="CAPTURE"))

    def acks() -> dict[str, dict]:
        return {r.data["command_id"]: r.data for r in readings_of(gateway, "vdev-0000", "ack")}

    got = wait_for(lambda: len(acks()) == 2 and acks(), what="two acks")
    assert got["cmd-1"]["ok"] and got["cmd-1"]["command"] == "BEEP"
    assert got["cmd-2"]["ok"] and got["cmd-2"]["command"] == "CAPTURE"
    camera = wait_for(lambda: readings_of(gateway, "vdev-0000", "camera"), what="capture event")
    assert camera[0].data["trigger"] == "command" and camera[0].data["image_bytes"] > 0


def test_config_pushed_on_the_retained_topic_changes_reporting(
    gateway: DeviceGateway, devices: Devices
) -> None:
    devices.start(count=1, rate=1, location="stop_a")
    wait_for(lambda: readings_of(gateway, "vdev-0000", "humidity"), what="first reading")
    gateway.push_config(
        "vdev-0000", DeviceConfigPatch(id="cfg-1", location="stop_b", sensor_interval_ms=100)
    )

    def ack():
        rows = [r for r in readings_of(gateway, "vdev-0000", "ack") if r.data["command_id"]]
        return rows and rows[0].data

    got = wait_for(ack, what="config ack")
    assert got["command"] == "CONFIG" and got["ok"]

    def moved() -> list:
        rows = readings_of(gateway, "vdev-0000", "humidity")
        return [r for r in rows if r.location == "stop_b"]

    # At 10 rounds/s rather than 1, readings from the new location pile up quickly.
    assert len(wait_for(lambda: len(moved()) >= 10 and moved(), what="10 readings at stop_b")) >= 10
    before = [r for r in readings_of(gateway, "vdev-0000", "humidity") if r.location == "stop_a"]
    assert before and max(r.seq for r in before) < min(r.seq for r in moved())
