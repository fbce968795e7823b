"""The in-process client's device subscription on the demo fleet: what the gateway stores comes
to subscribers as DeviceUpdates (readings, a CAPTURE's ack and uploaded image, which
latest_device_image then serves as a real JPEG), registrations too; stops killed outright go
offline through their last wills; a role without fleet.read may not subscribe."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.client.local_fleet import LocalFleet, local_principal
from engine.config import Settings
from engine.services.errors import AccessDenied
from engine.storage.database import Database
from tests.engine.devices.conftest import wait_for
from tests.engine.devices.test_demo_fleet import STOPS, all_online, start
from tests.engine.devices.updates import Updates


def test_updates_carry_readings_captures_and_last_wills(db: Database, tmp_path: Path) -> None:
    fleet = start(db, tmp_path)
    updates = Updates()
    subscription = fleet.subscribe_devices(updates)
    try:
        wait_for(lambda: all_online(fleet), timeout=20, what="three stops online")
        for stop in STOPS:
            wait_for(
                lambda s=stop: any({"temperature", "humidity"} <= u.kinds for u in updates.of(s)),
                what=f"readings of {stop}",
            )
        ack = fleet.send_command("stop-0003", "CAPTURE")
        assert ack.ok and ack.detail.endswith(".jpg")
        pushed = wait_for(
            lambda: [u for u in updates.of("stop-0003") if u.image == ack.detail], what="image"
        )
        assert {"camera", "ack"} <= pushed[0].kinds
        snapshot = fleet.latest_device_image("stop-0003")
        assert snapshot is not None and snapshot.filename == ack.detail
        image = cv2.imdecode(np.frombuffer(snapshot.data, np.uint8), cv2.IMREAD_COLOR)
        assert snapshot.content_type == "image/jpeg" and image.shape[:2] == (
            snapshot.height,
            snapshot.width,
        )
        other = fleet.latest_device_image("stop-0001")  # its own periodic capture, if any
        assert other is None or other.filename != ack.detail

        fleet.register_device("stop-0009", location="New Shelter")
        wait_for(lambda: updates.of("stop-0009"), what="the registration's update")

        seen = len(updates.items)
        fleet.demo.kill_devices()  # no goodbye: the broker publishes each stop's will

        def offline() -> set[str]:
            return {
                u.device.device_id
                for u in updates.items[seen:]
                if not u.device.online and u.device.status == "connection lost"
            }

        wait_for(lambda: offline() == set(STOPS), what="three wills pushed")
    finally:
        subscription.cancel()
        fleet.close()


def test_a_role_without_fleet_read_may_not_subscribe(db: Database, tmp_path: Path) -> None:
    settings = Settings(SENTINEL_DATA_DIR=tmp_path / "data")
    fleet = LocalFleet(db, settings, local_principal(settings, "operator"))
    try:
        with pytest.raises(AccessDenied):
            fleet.subscribe_devices(lambda _update: None)
    finally:
        fleet.close()
