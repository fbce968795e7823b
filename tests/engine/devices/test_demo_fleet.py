"""The demo's fleet: an embedded Mosquitto with device logins, the gateway on a service login,
and the three virtual bus stops (the firmware's host build) registered through the fleet
service, on SQLite and PostgreSQL; the local user's role decides what it may do; without
mosquitto the demo runs without devices."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from engine.client.local_fleet import LocalFleet, local_principal
from engine.config import Settings
from engine.devices.payloads import DeviceConfigPatch
from engine.services.errors import AccessDenied, Unavailable
from engine.storage.database import Database
from engine.storage.repos.devices import DeviceRepository
from tests.engine.devices.conftest import wait_for

STOPS = ["stop-0001", "stop-0002", "stop-0003"]


def start(db: Database, tmp_path: Path, role: str = "admin") -> LocalFleet:
    settings = Settings(SENTINEL_DATA_DIR=tmp_path / "data")
    fleet = LocalFleet(db, settings, local_principal(settings, role))
    fleet.start_demo(tmp_path / "data" / "demo-fleet")
    assert fleet.demo_ready.wait(60)
    return fleet


def all_online(fleet: LocalFleet) -> bool:
    devices = fleet.list_devices()
    return [d.device_id for d in devices] == STOPS and all(
        d.online and d.firmware == "0.1.0" for d in devices
    )


def test_demo_stops_report_through_the_embedded_broker(db: Database, tmp_path: Path) -> None:
    fleet = start(db, tmp_path)
    try:
        wait_for(lambda: all_online(fleet), timeout=20, what="three stops online")
        kinds = {"temperature": "C", "humidity": "%", "ultrasonic": "cm"}
        for kind, unit in kinds.items():
            readings = wait_for(lambda k=kind: fleet.device_readings("stop-0002", k), what=kind)
            assert all(r.unit == unit and r.value is not None for r in readings)
        ack = fleet.send_command("stop-0001", "BEEP")
        assert (ack.device_id, ack.command, ack.ok) == ("stop-0001", "BEEP", True)
        ack = fleet.push_config("stop-0003", DeviceConfigPatch(location="Depot Gate"))
        assert ack is not None and ack.command == "CONFIG" and ack.ok

        def moved() -> bool:
            return fleet.device_readings("stop-0003", "humidity")[-1].location == "Depot Gate"

        wait_for(moved, what="readings from the new location")
        shown = {d.device_id: d for d in fleet.list_devices()}["stop-0003"]
        assert shown.config["location"] == "Depot Gate" and shown.config_version == 2
    finally:
        fleet.close()
    # Closing stops the devices first: each said goodbye and the gateway stored it.
    assert all(not d.online and d.status_reason == "shutdown" for d in DeviceRepository(db).list())


def test_supervisor_console_sees_the_fleet_but_cannot_act(db: Database, tmp_path: Path) -> None:
    fleet = start(db, tmp_path, role="supervisor")
    try:
        # The demo registers its stops itself; the supervisor reads them and acts on nothing.
        wait_for(lambda: all_online(fleet), timeout=20, what="three stops online")
        wait_for(lambda: fleet.device_readings("stop-0001"), what="readings it may read")
        with pytest.raises(AccessDenied):
            fleet.register_device("stop-0009")
        with pytest.raises(AccessDenied):
            fleet.send_command("stop-0001", "BEEP")
        with pytest.raises(AccessDenied):
            fleet.push_config("stop-0001", DeviceConfigPatch(location="x"))
        with pytest.raises(AccessDenied):
            fleet.revoke_device("stop-0001")
        assert all_online(fleet)
    finally:
        fleet.close()


def test_restarted_demo_registers_its_stops_again(sqlite_url: str, tmp_path: Path) -> None:
    db = Database.open(sqlite_url)
    try:
        first = start(db, tmp_path)
        wait_for(lambda: all_online(first), timeout=20, what="stops online")
        first.close()
        again = start(db, tmp_path)
        try:
            wait_for(lambda: all_online(again), timeout=20, what="stops online after a restart")
            assert {d.boot for d in DeviceRepository(db).list()} == {2}
        finally:
            again.close()
    finally:
        db.close()


def test_without_mosquitto_the_demo_runs_without_devices(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    db = Database.open(sqlite_url)
    try:
        with caplog.at_level(logging.WARNING):
            fleet = start(db, tmp_path)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "mosquitto is not installed" in warnings[0].getMessage()
        assert fleet.list_devices() == []
        with pytest.raises(Unavailable):
            fleet.send_command("stop-0001", "BEEP")
        fleet.close()
    finally:
        db.close()


KILLED_ENGINE = """
import sys, time
from pathlib import Path
from engine.client.local_fleet import LocalFleet, local_principal
from engine.config import Settings
from engine.storage.database import Database

data = Path(sys.argv[1])
settings = Settings(SENTINEL_DATA_DIR=data)
fleet = LocalFleet(Database.open(f"sqlite:///{data / 'sentinel.db'}"), settings,
                   local_principal(settings, "admin"))
fleet.start_demo(data / "demo-fleet")
fleet.demo_ready.wait(60)
while not (fleet.list_devices() and all(d.online for d in fleet.list_devices())):
    time.sleep(0.1)
print("up", flush=True)
time.sleep(600)
"""


def test_a_killed_engine_leaves_no_broker_or_device_behind(tmp_path: Path) -> None:
    def children() -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["cmdline"]):
            mentions = any(str(tmp_path) in part for part in process.info["cmdline"] or [])
            if mentions and process.pid != engine.pid:
                found.append(process)
        return found

    data = tmp_path / "data"
    data.mkdir()
    engine = subprocess.Popen(
        [sys.executable, "-c", KILLED_ENGINE, str(data)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert engine.stdout is not None and engine.stdout.readline().strip() == "up"
        names = sorted(Path(p.info["cmdline"][0]).name for p in children())
        assert names == ["mosquitto", "sentinel-virtual-device"]
    finally:
        engine.kill()
        engine.wait(10)
    wait_for(lambda: not children(), timeout=10, what="the broker and devices gone")
