"""`sentinel-engine simulate-devices`: the host build's devices, the gateway, the JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def simulate(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "simulate-devices", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("qos", ["0", "1"])
def test_simulate_devices_stores_every_message(virtual_device: Path, qos: str) -> None:
    result = simulate("--count", "4", "--duration", "1.5", "--rate", "4", "--qos", qos)
    assert result["sent"] > 4 * 3 * 4
    assert result == {"sent": result["sent"], "acked": result["sent"], "lost": 0, "errors": 0}


def test_simulate_devices_without_gateway(virtual_device: Path) -> None:
    result = simulate("--count", "2", "--duration", "1", "--no-gateway")
    assert result["sent"] > 0 and result["acked"] is None and result["errors"] == 0


def test_simulate_devices_reports_an_unreachable_broker() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "simulate-devices", "--broker", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "cannot reach the broker" in done.stderr


def test_simulated_cameras_upload_to_an_engine(virtual_device: Path, tmp_path: Path) -> None:
    from engine.devices.demo_camera import write_camera_frames
    from engine.server import create_app
    from engine.server.loopback import LoopbackServer
    from tests.engine.services.helpers import API_KEY, make_settings, make_world

    world = make_world(f"sqlite:///{tmp_path / 'server.db'}", tmp_path)
    server = LoopbackServer(create_app(world.services, make_settings(tmp_path))).start()
    try:
        frames = write_camera_frames(tmp_path / "camera", count=2)
        result = simulate(
            *("--count", "2", "--duration", "3.5", "--capture-interval", "1"),
            *("--camera", str(frames), "--upload-url", f"{server.url}/api/upload"),
            *("--upload-key", API_KEY),
        )
        assert result["lost"] == 0 and result["errors"] == 0
        supervisor = world.principal("supervisor")
        for device_id in ("vdev-0000", "vdev-0001"):
            images = world.services.images.list(supervisor, device_id)
            assert len(images) >= 2 and all(i.content_type == "image/jpeg" for i in images)
    finally:
        server.stop()
        world.close()
