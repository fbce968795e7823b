"""DemoFleet: the demo's live bus stops. An embedded Mosquitto with device logins (PrivateBroker),
the gateway logged in with a service login, and one process of the firmware's host build
(sentinel-virtual-device) running every demo stop with the MQTT password its registration made.
Each stop's camera shows frames of a bundled street clip; with `upload_url` (the engine's
POST /api/upload) its captures, on CAPTURE and every `capture_s`, are uploaded there with the
device key its registration made, as a real ESP32-CAM does.

Registration itself is the caller's (the fleet service, so the demo goes through the same access
control and audit as an installer); `register` gets a device id and location and returns the
device's StopCredentials. The broker's state is made fresh on each start: the previous run's logins
are gone, so each start registers the stops again and writes their credentials anew."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.devices.broker import ADMIN_USER, PrivateBroker
from engine.devices.broker_logins import BrokerLogins
from engine.devices.demo_camera import write_camera_frames
from engine.devices.gateway import DeviceGateway
from engine.devices.host_build import ensure_built
from engine.devices.lifetime import die_with_parent
from engine.devices.payloads import DeviceConfigPatch
from engine.storage.database import Database

log = logging.getLogger(__name__)

GATEWAY_LOGIN = "sentinel-gateway"


@dataclass(frozen=True)
class StopCredentials:
    """What registering a stop made: its MQTT password and its HTTP device key (uploads)."""

    mqtt_password: str
    key: str


@dataclass(frozen=True)
class DemoStop:
    device_id: str
    location: str


DEMO_STOPS = (
    DemoStop("stop-0001", "Central Station"),
    DemoStop("stop-0002", "Harbour Road"),
    DemoStop("stop-0003", "Market Square"),
)


class DemoFleet:
    """Owns the broker, the gateway and the device process; `close` stops them in reverse.
    The processes end with the thread that started them (lifetime.die_with_parent): start and
    close the fleet from one thread that lives as long as the fleet.
    The stops' ids are one prefix numbered consecutively (the binary's --prefix/--first).
    `start_broker` then `start_devices`; each raises what failed (BrokerError, GatewayError,
    HostBuildError, BrokerLoginError, OSError) and leaves `close` to clean up."""

    def __init__(
        self,
        db: Database,
        state_dir: Path,
        *,
        root: str = "smartstop",
        stops: tuple[DemoStop, ...] = DEMO_STOPS,
        rate_hz: float = 1.0,
        heartbeat_s: float = 10.0,
        capture_s: float = 30.0,
        upload_url: str | None = None,
        find_binary: Callable[[], Path] = lambda: ensure_built("sentinel-virtual-device"),
    ) -> None:
        self.state_dir = Path(state_dir)
        self.root = root
        self.stops = stops
        self.rate_hz = rate_hz
        self.heartbeat_s = heartbeat_s
        self.capture_s = capture_s
        self.upload_url = upload_url
        self._db = db
        self._find_binary = find_binary
        self.broker: PrivateBroker | None = None
        self.logins: BrokerLogins | None = None
        self.gateway: DeviceGateway | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start_broker(self) -> tuple[BrokerLogins, DeviceGateway]:
        """The embedded broker on a free port and the gateway storing what it carries."""
        broker_dir = self.state_dir / "broker"
        shutil.rmtree(broker_dir, ignore_errors=True)
        self.broker = PrivateBroker(broker_dir, die_with_parent=True).start()
        self.logins = BrokerLogins(
            self.broker.url, ADMIN_USER, self.broker.admin_password, root=self.root
        )
        gateway = DeviceGateway(
            self._db,
            self.broker.url,
            self.root,
            username=GATEWAY_LOGIN,
            password=self.logins.add_service(GATEWAY_LOGIN),
        )
        gateway.start()
        self.gateway = gateway
        return self.logins, gateway

    def start_devices(self, register: Callable[[str, str], StopCredentials]) -> None:
        """Register every stop (`register(device_id, location)` -> its credentials), give each
        its location, upload URL and capture interval by retained config (replacing what a
        previous run left in its saved config), and start one virtual-device process for them
        all."""
        assert self.broker is not None and self.gateway is not None, "start_broker first"
        binary = self._find_binary()
        camera = write_camera_frames(self.state_dir / "camera")
        lines = []
        for stop in self.stops:
            made = register(stop.device_id, stop.location)
            lines.append(f"{stop.device_id} {made.mqtt_password} {made.key}\n")
            config = DeviceConfigPatch(
                location=stop.location,
                upload_url=self.upload_url or "",
                capture_interval_ms=round(self.capture_s * 1000) if self.upload_url else 0,
            )
            self.gateway.push_config(stop.device_id, config)
        credentials = self.state_dir / "credentials"
        credentials.unlink(missing_ok=True)
        credentials.touch(mode=0o600)
        credentials.write_text("".join(lines))
        devices_dir = self.state_dir / "devices"
        devices_dir.mkdir(parents=True, exist_ok=True)
        prefix, _, first = self.stops[0].device_id.rpartition("-")
        command = [
            str(binary),
            *("--count", str(len(self.stops)), "--prefix", prefix, "--first", str(int(first))),
            *("--broker", f"{self.broker.host}:{self.broker.port}", "--root", self.root),
            *("--duration", "0", "--rate", str(self.rate_hz), "--heartbeat", str(self.heartbeat_s)),
            *("--state-dir", str(devices_dir), "--credentials", str(credentials)),
            *("--camera", str(camera)),
        ]
        with (self.state_dir / "devices.log").open("ab") as out:
            self._process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent()
            )
        log.info("demo devices started", extra={"count": len(self.stops), "root": self.root})

    def kill_devices(self) -> None:
        """SIGKILL the stops' process, as a power cut would: no goodbye, the broker publishes
        each stop's last will and the fleet shows them offline (connection lost)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None

    def _await_goodbyes(self, timeout: float = 3.0) -> None:
        """The broker forwards the stops' offline statuses after they exit: let the gateway
        store them before it disconnects, so the list shows them offline (shutdown)."""
        gateway = self.gateway
        if gateway is None:
            return
        deadline = time.monotonic() + timeout
        ids = [stop.device_id for stop in self.stops]
        while time.monotonic() < deadline:
            gateway.wait_idle(0.5)
            rows = [gateway.devices.get(device_id) for device_id in ids]
            if all(row is None or not row.online for row in rows):
                return
            time.sleep(0.05)

    def close(self) -> None:
        """Devices first (they publish their offline status), then the gateway, then the
        broker. Safe to call at any point of the start."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None
            self._await_goodbyes()
        if self.gateway is not None:
            self.gateway.stop(drain_timeout=5)
            self.gateway = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
