"""Fixtures for device tests: the virtual device binary, a unique topic root, a running
gateway on the test's database, and a raw MQTT recorder. All against the machine's Mosquitto."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices import DeviceGateway
from engine.devices.host_build import ensure_built
from engine.storage.database import Database

BROKER_HOST, BROKER_PORT = "127.0.0.1", 1883


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def virtual_device() -> Path:
    return ensure_built("sentinel-virtual-device")


@pytest.fixture
def root() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def gateway(db: Database, root: str) -> Iterator[DeviceGateway]:
    gw = DeviceGateway(db, f"mqtt://{BROKER_HOST}:{BROKER_PORT}", root, client_id=f"gw-{root}")
    gw.start()
    yield gw
    gw.stop(forget_session=True)
    _clear_retained(root)


class Devices:
    """Starts virtual device processes and stops them (SIGTERM, or SIGKILL to test the will)."""

    def __init__(self, binary: Path, root: str, state_dir: Path) -> None:
        self.binary, self.root, self.state_dir = binary, root, state_dir
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, count: int = 1, duration: float = 0, rate: float = 5, **extra: Any):
        command = [str(self.binary), "--count", str(count), "--root", self.root]
        command += ["--broker", f"{BROKER_HOST}:{BROKER_PORT}", "--duration", str(duration)]
        command += ["--rate", str(rate), "--state-dir", str(self.state_dir)]
        for key, value in extra.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self.processes.append(process)
        return process

    @staticmethod
    def report(process: subprocess.Popen[str], timeout: float = 30) -> dict[str, Any]:
        """Wait for a process and parse its last stdout line."""
        out, _ = process.communicate(timeout=timeout)
        assert process.returncode == 0, out
        return dict(json.loads(out.strip().splitlines()[-1]))

    def stop(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        process.send_signal(signal.SIGTERM)
        return self.report(process)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@pytest.fixture
def devices(virtual_device: Path, root: str, tmp_path: Path) -> Iterator[Devices]:
    runner = Devices(virtual_device, root, tmp_path / "device-state")
    runner.state_dir.mkdir()
    yield runner
    runner.close()


class Recorder:
    """Every message under a root as the broker delivered it (topic -> list of payloads)."""

    def __init__(self, root: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"rec-{root}")
        self.client.on_connect = lambda c, *_: c.subscribe(f"{root}/#", qos=1)
        self.client.on_subscribe = lambda *_: self._ready.set()
        self.client.on_message = self._on_message
        self.client.connect(BROKER_HOST, BROKER_PORT)
        self.client.loop_start()
        assert self._ready.wait(10)

    def _on_message(self, _client, _userdata, message) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def json(self, topic_part: str) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(p) for t, p in self.messages if topic_part in t and p]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def recorder(root: str) -> Iterator[Recorder]:
    rec = Recorder(root)
    yield rec
    rec.close()


def publish(topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> None:
    """Publish one message and wait until the broker has it."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect(BROKER_HOST, BROKER_PORT)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()


def _clear_retained(root: str) -> None:
    """Retained status/config messages would outlive the test on the shared broker."""
    seen: set[str] = set()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"clr-{root}")
    client.on_message = lambda _c, _u, m: seen.add(m.topic) if m.retain else None
    client.connect(BROKER_HOST, BROKER_PORT)
    client.subscribe(f"{root}/#")
    client.loop_start()
    time.sleep(0.3)  # retained messages arrive right after SUBACK; nothing to wait on here
    for topic in seen:
        client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()
