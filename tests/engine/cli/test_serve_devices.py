"""The real `sentinel-engine serve` as a device back end: a private Mosquitto with device logins
(dynamic security), MQTT_BROKER and its admin login in the engine's environment, and a virtual
bus stop from the firmware's host build registered through the remote client (POST /register)
with the credentials that answered. The server's gateway stores its readings; CAPTURE and a
config push come back acknowledged; the remote client's device subscription gets all of it
pushed over /ws/devices (reading kinds and image names, which a poll cannot tell), down to the
stop going offline by its last will when its process is killed; a revoked device is cut off.
The engine then stops cleanly."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from engine.client.remote_client import RemoteEngineClient, open_remote_client
from engine.devices.broker import ADMIN_USER, PrivateBroker
from engine.devices.demo_camera import write_camera_frames
from engine.devices.host_build import ensure_built
from engine.devices.payloads import DeviceConfigPatch
from engine.storage.database import Database
from engine.storage.repos.users import UserRepository
from tests.engine.devices.conftest import Devices, wait_for
from tests.engine.devices.test_broker_logins import Session
from tests.engine.devices.updates import Updates
from tests.engine.services.helpers import API_KEY, HMAC_KEY, JWT_SECRET, PASSWORD, password_hash
from tests.serve_process import serve_process

pytestmark = pytest.mark.timeout(180)
STOP = "vdev-0000"  # the host build names its first device {prefix}-0000


def test_serve_stores_commands_and_pushes_a_registered_device(tmp_path: Path) -> None:
    binary = ensure_built("sentinel-virtual-device")
    database_url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    db = Database.open(database_url)
    UserRepository(db).add("fitter", password_hash(), "admin", ["*"])
    db.close()
    root = f"t-{uuid.uuid4().hex[:10]}"
    devices = Devices(binary, root, tmp_path / "device-state")
    devices.state_dir.mkdir()
    with PrivateBroker(tmp_path / "broker") as broker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "POLICY_HMAC_KEY": HMAC_KEY,
            "API_KEY": API_KEY,
            "SENTINEL_DATA_DIR": str(tmp_path),
            "MQTT_BROKER": broker.url,
            "MQTT_TOPIC_ROOT": root,
            "MQTT_ADMIN_USER": ADMIN_USER,
            "MQTT_ADMIN_PASSWORD": broker.admin_password,
        }
        try:
            with serve_process([], env, tmp_path) as served:
                base = f"http://127.0.0.1:{served.port}"
                client = open_remote_client(base, "fitter", PASSWORD)
                try:
                    exercise(client, broker, devices, base, tmp_path)
                finally:
                    client.close()
        finally:
            devices.close()
    assert served.process.returncode == 0, served.output
    assert "Traceback" not in served.output, served.output


def exercise(
    client: RemoteEngineClient, broker: PrivateBroker, devices: Devices, base: str, tmp: Path
) -> None:
    updates = Updates()
    subscription = client.subscribe_devices(updates)
    try:
        made = client.register_device(STOP, location="Quay Street")
        assert made.mqtt_username == STOP and made.mqtt_password
        wait_for(lambda: updates.of(STOP), what="the registration pushed")

        credentials = tmp / "credentials"
        credentials.write_text(f"{STOP} {made.mqtt_password} {made.key}\n")
        process = devices.start(
            count=1,
            rate=5,
            broker=f"{broker.host}:{broker.port}",
            credentials=credentials,
            camera=write_camera_frames(tmp / "camera", count=2),
            upload_url=f"{base}/api/upload",
        )
        wait_for(
            lambda: updates.of(STOP, lambda u: u.device.online and "temperature" in u.kinds),
            what="its readings pushed",
        )
        assert client.device_readings(STOP, "temperature"), "stored by the server's gateway"

        ack = client.send_command(STOP, "CAPTURE")
        assert ack.ok and ack.command == "CAPTURE" and ack.detail.endswith(".jpg")
        wait_for(lambda: updates.of(STOP, lambda u: u.image == ack.detail), what="the image pushed")
        snapshot = client.latest_device_image(STOP)
        assert snapshot is not None and snapshot.filename == ack.detail

        config = client.push_config(STOP, DeviceConfigPatch(location="Quay Street North"))
        assert config is not None and config.ok and config.command == "CONFIG"
        wait_for(
            lambda: updates.of(STOP, lambda u: u.device.location == "Quay Street North"),
            what="readings from the new location pushed",
        )

        process.kill()  # a power cut: no goodbye, the broker publishes its last will
        process.wait(10)
        # Pushed, not polled (a poll carries no kinds). The will may arrive in the same round as
        # the last readings, so its update can name those kinds rather than "status".
        wait_for(
            lambda: updates.of(
                STOP,
                lambda u: (
                    not u.device.online and u.device.status == "connection lost" and bool(u.kinds)
                ),
            ),
            what="the last will pushed",
        )

        device = Session(broker, STOP, made.mqtt_password)
        try:
            assert device.wait(), "the registered login was refused"
            client.revoke_device(STOP)
            assert device.dropped.wait(10), "the broker kept the revoked device connected"
        finally:
            device.close()
        wait_for(
            lambda: updates.of(STOP, lambda u: u.device.status == "revoked"),
            what="the revocation pushed",
        )
        again = Session(broker, STOP, made.mqtt_password)
        try:
            assert not again.wait(), "a revoked device logged in again"
        finally:
            again.close()
    finally:
        subscription.cancel()
