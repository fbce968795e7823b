"""Camera snapshots of the bus stops, as a real node sends them: the firmware's host build
captures a real JPEG (frames of a bundled clip, --camera) and POSTs it to the engine's
/api/upload over HTTP with its device key, on a CAPTURE command and on the config's capture
interval; the camera event names the stored file; GET /devices/{id}/snapshot serves the newest.
A device whose upload is refused still announces the capture, without an image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.devices import DeviceCommand, DeviceGateway
from engine.devices.demo_camera import write_camera_frames
from engine.security.tokens import JwtCodec
from engine.server import create_app
from engine.server.loopback import LoopbackServer
from engine.services.schemas_fleet import DeviceRegister
from tests.engine.devices.conftest import Devices, wait_for
from tests.engine.services.helpers import JWT_SECRET, World, make_settings, make_world


@pytest.fixture
def world(database_url: str, tmp_path: Path):
    made = make_world(database_url, tmp_path)
    yield made
    made.close()


@pytest.fixture
def upload_url(world: World, tmp_path: Path):
    server = LoopbackServer(create_app(world.services, make_settings(tmp_path))).start()
    yield f"{server.url}/api/upload"
    server.stop()


@pytest.fixture
def frames(tmp_path: Path) -> Path:
    return write_camera_frames(tmp_path / "camera", count=3)


def register(world: World, device_id: str) -> str:
    """Register through the fleet service as the installer; the device key."""
    made = world.services.fleet.register(
        world.principal("installer"), DeviceRegister(device_id=device_id, kind="esp32")
    )
    return made.key


def online(gateway: DeviceGateway, device_id: str) -> None:
    """Registered devices have a row before they connect: wait for their online status."""
    wait_for(lambda: gateway.devices.get(device_id).online, what=f"{device_id} online")


def ack_of(gateway: DeviceGateway, device_id: str, command_id: str) -> dict:
    def found():
        acks = gateway.readings.list(device_id, "ack")
        return next((a.data for a in acks if a.data["command_id"] == command_id), None)

    return wait_for(found, what=f"the ack of {command_id}")


def capture(gateway: DeviceGateway, device_id: str, command_id: str) -> dict:
    gateway.send_command(device_id, DeviceCommand(id=command_id, command="CAPTURE"))
    return ack_of(gateway, device_id, command_id)


def test_capture_uploads_a_real_jpeg_that_the_snapshot_route_serves(
    world: World,
    gateway: DeviceGateway,
    devices: Devices,
    upload_url: str,
    frames: Path,
    tmp_path: Path,
) -> None:
    key = register(world, "vdev-0000")
    devices.start(count=1, upload_url=upload_url, upload_key=key, camera=frames)
    online(gateway, "vdev-0000")
    ack = capture(gateway, "vdev-0000", "cap-1")
    assert ack["ok"] and ack["detail"].endswith(".jpg"), ack
    filename = ack["detail"]
    camera = wait_for(lambda: gateway.readings.list("vdev-0000", "camera"), what="camera event")
    assert camera[0].data["trigger"] == "command" and camera[0].data["image"] == filename
    # The stored image is one of the camera's frames, byte for byte: a real JPEG.
    meta, data = world.services.images.latest(world.principal("supervisor"), "vdev-0000")
    assert meta.filename == filename and data in {f.read_bytes() for f in frames.iterdir()}
    assert camera[0].data["image_bytes"] == len(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] == 640 and image.std() > 20

    token = JwtCodec(JWT_SECRET, 600).issue(
        str(world.services.users._users.get_by_name("supervisor").id), "supervisor"
    )[0]
    with TestClient(create_app(world.services, make_settings(tmp_path))) as client:
        supervisor = {"Authorization": f"Bearer {token}"}
        got = client.get("/devices/vdev-0000/snapshot", headers=supervisor)
        assert got.status_code == 200, got.text
        assert got.content == data and got.headers["content-type"] == "image/jpeg"
        assert got.headers["x-image-filename"] == filename
        assert (got.headers["x-image-width"], got.headers["x-image-height"]) == (
            str(image.shape[1]),
            str(image.shape[0]),
        )
        assert client.get("/devices/vdev-0009/snapshot", headers=supervisor).status_code == 404
        assert client.get("/devices/vdev-0000/snapshot").status_code == 401


def test_the_config_interval_captures_periodically_and_refused_uploads_announce_no_image(
    world: World, gateway: DeviceGateway, devices: Devices, upload_url: str, frames: Path
) -> None:
    key = register(world, "vdev-0000")
    register(world, "vdev-0001")  # bound to its own key, which its process is not given
    devices.start(count=1, upload_url=upload_url, upload_key=key, camera=frames, capture_interval=1)
    devices.start(count=1, first=1, upload_url=upload_url, camera=frames)

    def interval_images() -> list:
        events = gateway.readings.list("vdev-0000", "camera")
        return [e for e in events if e.data["trigger"] == "interval" and e.data["image"]]

    periodic = wait_for(lambda: len(interval_images()) >= 3 and interval_images(), timeout=20)
    supervisor = world.principal("supervisor")
    stored = {i.filename for i in world.services.images.list(supervisor, "vdev-0000")}
    assert {e.data["image"] for e in periodic} <= stored

    online(gateway, "vdev-0001")
    ack = capture(gateway, "vdev-0001", "cap-2")
    assert ack["ok"] and ack["detail"] == "upload failed"
    camera = wait_for(lambda: gateway.readings.list("vdev-0001", "camera"), what="camera event")
    assert camera[0].data["image"] is None and camera[0].data["image_bytes"] > 0
    assert world.services.images.latest(supervisor, "vdev-0001") is None
