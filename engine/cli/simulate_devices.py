"""`sentinel-engine simulate-devices`: N virtual bus-stop devices (the firmware's host build,
not a Python lookalike) against a broker, and the gateway storing them in a temporary SQLite
database; with --camera and --upload-url their captures go to an engine's image API. The last
stdout line is JSON: sent, acked, lost, errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from engine.devices import DeviceGateway, GatewayError, parse_broker
from engine.devices.host_build import ensure_built
from engine.storage.database import Database


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate-devices", help="run virtual bus-stop devices and store what they publish"
    )
    parser.add_argument("--count", type=int, default=10, help="number of devices")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds to run")
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="MQTT broker URL")
    parser.add_argument("--qos", type=int, choices=(0, 1), default=0, help="QoS of sensor readings")
    parser.add_argument("--rate", type=float, default=1.0, help="sensor rounds per second")
    parser.add_argument("--root", help="topic root (default: a fresh sim-<hex> per run)")
    parser.add_argument("--no-gateway", action="store_true", help="only run the devices")
    parser.add_argument(
        "--camera", type=Path, help="JPEG, or folder of JPEGs, the devices' cameras capture"
    )
    parser.add_argument(
        "--upload-url", help="where captures are POSTed (an engine's http://HOST:PORT/api/upload)"
    )
    parser.add_argument("--upload-key", help="x-api-key of the uploads (a device key, API_KEY)")
    parser.add_argument(
        "--capture-interval", type=float, default=0.0, help="seconds between captures (0: none)"
    )
    parser.set_defaults(run=run)


def _progress(text: str) -> None:
    print(f"simulate-devices: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.count < 1 or args.duration <= 0:
        raise ValueError("--count must be >= 1 and --duration > 0")
    host, port = parse_broker(args.broker)
    binary = ensure_built(progress=lambda line: _progress(f"build: {line}"))
    root = args.root or f"sim-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="sentinel-sim-") as tmp:
        db = None if args.no_gateway else Database.open(f"sqlite:///{Path(tmp) / 'devices.db'}")
        gateway = None
        errors = 0
        try:
            if db is not None:
                gateway = DeviceGateway(db, args.broker, root, client_id=f"sentinel-sim-{root}")
                try:
                    gateway.start()
                except GatewayError as exc:
                    raise ValueError(str(exc)) from exc
            _progress(f"{args.count} devices for {args.duration:g} s on {host}:{port}, root {root}")
            report = _run_devices(binary, args, host, port, root, Path(tmp))
            errors += int(report.get("errors", 0))
            result: dict[str, Any] = {"sent": int(report.get("sent", 0))}
            if gateway is not None:
                acked = _drain(gateway, report["devices"], result["sent"])
                stats = gateway.stats()
                errors += stats.rejected_total + stats.store_failures
                result |= {"acked": acked, "lost": result["sent"] - acked}
            else:
                result |= {"acked": None, "lost": None}
            result["errors"] = errors
        finally:
            if gateway is not None:
                gateway.stop(forget_session=True)
            if db is not None:
                db.close()
    print(json.dumps(result), flush=True)
    return 0


def _run_devices(
    binary: Path, args: argparse.Namespace, host: str, port: int, root: str, state: Path
) -> dict[str, Any]:
    command = [
        str(binary),
        *("--count", str(args.count), "--broker", f"{host}:{port}", "--root", root),
        *("--duration", str(args.duration), "--rate", str(args.rate), "--qos", str(args.qos)),
        *("--state-dir", str(state)),
    ]
    if args.camera is not None:
        command += ["--camera", str(args.camera)]
    if args.upload_url:
        command += ["--upload-url", args.upload_url]
    if args.upload_key:
        command += ["--upload-key", args.upload_key]
    if args.capture_interval:
        command += ["--capture-interval", str(args.capture_interval)]
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise ValueError(f"virtual devices failed (exit status {done.returncode})")
    return dict(json.loads(lines[-1]))


def _drain(gateway: DeviceGateway, devices: list[dict[str, Any]], sent: int) -> int:
    """Stored messages among those the devices sent, once nothing more arrives."""

    def matched() -> int:
        return sum(
            gateway.readings.count_upto(d["device_id"], d["boot"], d["last_seq"]) for d in devices
        )

    deadline = time.monotonic() + 30.0
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        gateway.wait_idle(1.0)
        count = matched()
        if count >= sent:
            return count
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > 2.0:  # nothing new for 2 s: the rest is lost
            return count
        time.sleep(0.1)
    return matched()
