"""Device intake: virtual devices (the firmware's host build) -> a private Mosquitto -> the
engine's DeviceGateway -> PostgreSQL, beside the raw broker throughput, in the same run.

Per repeat (interleaved `--repeats` times; medians reported):
  raw       mosquitto_pub x `--raw-publishers` (QoS 1, `-l`) -> mosquitto_sub (QoS 1): messages/s
            through the broker alone, nothing stored (the limit of the path)
  100x1     100 devices at 1 message/s each, QoS 1 readings, for `--duration` s
  1000x1    1,000 devices at 1 message/s each
  ladder    1,000 devices at increasing total rates (`--ladder`, messages/s), until a step is
            not lossless or the gateway falls behind
A device publishes three readings (distance, temperature, humidity) per round, so "m messages/s"
runs the binary at `--rate m/3`; its status messages (online, heartbeats every 30 s, offline at
the end) carry sequence numbers too and count. `--devices-per-process` devices share one binary.
Each phase has its own topic root, device ids and gateway session (fixed client id,
clean_session false, forgotten afterwards). Per phase:
  sent            sequence numbers the devices used (their own report)
  stored          rows in `readings` for those devices; lost = sent - stored; gaps = holes
                  below the highest stored seq (ReadingRepository.spans)
  broker_dropped  growth of the broker's `$SYS/broker/publish/messages/dropped`
  offered/s       sent / (last - first device timestamp); below target_msgs_per_s, the devices
                  (connecting, or the binary's loop) were the limit, not the gateway
  stored/s        rows / (last - first commit of the gateway's writer)
  p50/p95 ms      device timestamp -> the writer's commit of its row (timed around the
                  repository's add_many; the table's received_at is the MQTT arrival, not the
                  commit); the devices stamp with the same clock (loopback)
  arrival_p95_ms  device timestamp -> the gateway's MQTT callback (readings.received_at): the
                  broker's share of the delay
  drain_s         last commit - last device timestamp: how far the writer trailed at the end
A step is lossless when lost, gaps and broker_dropped are 0 and drain_s <= `--max-lag` (2 s:
a writer slower than the devices trails by duration x (1 - stored/offered), so with 20 s phases
this also asks stored/s >= 90% of offered; the broker and the gateway's queue would otherwise
hide a writer that never catches up).
The broker: mosquitto on a free loopback port, anonymous, `max_queued_messages 100000`,
`sys_interval 1`, no persistence. The database: `sentinel_bench_<hex>`, made and dropped here.

    .venv/bin/python bench/devices.py --duration 20 --repeats 3

`--quick` (4 s phases, 1 repeat, one ladder step) only proves that it works. The last line is
JSON: max_lossless_msgs_per_s (median of each repeat's highest lossless stored/s), p95_ms (the
1000x1 phase), lost (100x1 + 1000x1, all repeats), broker_msgs_per_s, broker_dropped, phases.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine.devices import DeviceGateway  # noqa: E402
from engine.devices.broker import free_port  # noqa: E402
from engine.devices.host_build import ensure_built  # noqa: E402
from engine.storage import Database  # noqa: E402

ADMIN_URL = os.environ.get(
    "SENTINEL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
READINGS_PER_ROUND = 3  # ultrasonic, temperature, humidity
DROPPED = "$SYS/broker/publish/messages/dropped"


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# --- the broker --------------------------------------------------------------------------------


class Broker:
    """A private anonymous mosquitto with a subscriber to its dropped counter."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        config = folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n"
            f"sys_interval 1\npersistence false\nuser {getpass.getuser()}\n"
        )
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._dropped = 0
        self.monitor = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-sys-{self.port}")
        self.monitor.on_message = self._on_sys
        deadline = time.monotonic() + 10
        while True:
            try:
                self.monitor.connect("127.0.0.1", self.port)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("mosquitto did not start") from None
                time.sleep(0.05)
        self.monitor.subscribe(DROPPED, 0)
        self.monitor.loop_start()

    def _on_sys(self, _client, _userdata, message: mqtt.MQTTMessage) -> None:
        self._dropped = int(message.payload or b"0")

    def dropped(self) -> int:
        time.sleep(1.5)  # one sys_interval: the counter as of now
        return self._dropped

    def close(self) -> None:
        self.monitor.loop_stop()
        self.monitor.disconnect()
        self.process.terminate()
        self.process.wait(10)


def run_raw(broker: Broker, messages: int, publishers: int, folder: Path) -> float:
    """Messages/s from `publishers` mosquitto_pub -l (QoS 1) to one mosquitto_sub (QoS 1)."""
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    payload = json.dumps(
        {"device_id": "vdev-0000", "location": "bus_stop_01", "boot": 1, "seq": 1,
         "timestamp": time.time(), "value": 150.0, "unit": "cm"}
    )  # fmt: skip
    per = messages // publishers
    lines = folder / "raw.txt"
    lines.write_text((payload + "\n") * per)
    host = ["-h", "127.0.0.1", "-p", str(broker.port), "-q", "1"]
    sub = subprocess.Popen(
        ["mosquitto_sub", *host, "-t", f"{topic}/#"], stdout=subprocess.PIPE, text=True
    )
    assert sub.stdout is not None
    seen = [0]
    first = threading.Event()

    def count() -> None:
        for _ in sub.stdout:  # type: ignore[union-attr]
            seen[0] += 1
            first.set()

    threading.Thread(target=count, daemon=True).start()
    while not first.wait(0.2):  # the subscription is live once a probe arrives
        subprocess.run(["mosquitto_pub", *host, "-t", f"{topic}/probe", "-m", "x"], check=True)
    time.sleep(0.3)
    base = seen[0]
    started = time.perf_counter()
    pubs = []
    for i in range(publishers):
        with lines.open() as feed:
            pubs.append(subprocess.Popen(["mosquitto_pub", *host, "-t", f"{topic}/p{i}", "-l"],
                                         stdin=feed))  # fmt: skip
    deadline = time.monotonic() + 120
    while seen[0] - base < per * publishers and time.monotonic() < deadline:
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    for pub in pubs:
        pub.wait(30)
    sub.terminate()
    sub.wait(10)
    received = seen[0] - base
    if received < per * publishers:
        log(f"raw: the subscriber got {received} of {per * publishers}")
    return received / elapsed


# --- one phase ---------------------------------------------------------------------------------


def run_phase(
    binary: Path, broker: Broker, db: Database, count: int, per_device: float, args, tag: str
) -> dict[str, Any]:
    """`count` devices at `per_device` messages/s for args.duration s; the phase's numbers."""
    root = f"bench-{tag}-{uuid.uuid4().hex[:6]}"
    gateway = DeviceGateway(db, f"mqtt://127.0.0.1:{broker.port}", root, client_id=f"gw-{root}")
    commits: list[tuple[float, list]] = []
    store = gateway.readings.add_many

    def timed_add_many(rows):  # the writer's commit time of each row, for the delay
        rows = list(rows)
        inserted = store(rows)
        commits.append((time.time(), [(row["ts"], row["received_at"]) for row in rows]))
        return inserted

    gateway.readings.add_many = timed_add_many  # type: ignore[method-assign]
    gateway.start()
    dropped_before = broker.dropped()
    rate_hz = per_device / READINGS_PER_ROUND
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-dev-") as state:
        processes = []
        for first in range(0, count, args.devices_per_process):
            n = min(args.devices_per_process, count - first)
            command = [
                str(binary),
                *("--count", str(n), "--first", str(first), "--prefix", tag),
                *("--broker", f"127.0.0.1:{broker.port}", "--root", root, "--qos", "1"),
                *("--duration", str(args.duration), "--rate", f"{rate_hz:.6f}"),
                *("--state-dir", state),
            ]
            processes.append(
                subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
                )
            )
        reports = []
        for process in processes:
            out, _ = process.communicate(timeout=args.duration + 120)
            if process.returncode != 0 or not out.strip():
                raise SystemExit(f"virtual devices failed (exit status {process.returncode})")
            reports.append(json.loads(out.strip().splitlines()[-1]))
    boots = [d for r in reports for d in r["devices"]]
    sent = sum(int(d["last_seq"]) for d in boots)
    ids = sorted({d["device_id"] for d in boots})
    stored, gaps = drain(gateway, ids, sent)
    dropped = broker.dropped() - dropped_before
    stats = gateway.stats()
    gateway.stop(forget_session=True)

    delays = [(t - ts.timestamp()) * 1000 for t, rows in commits for ts, _ in rows]
    arrivals = [(got - ts).total_seconds() * 1000 for _, rows in commits for ts, got in rows]
    stamps = [ts.timestamp() for _, rows in commits for ts, _ in rows]
    times = [t for t, _ in commits]
    offered = sent / max(1e-9, max(stamps) - min(stamps)) if stamps else 0.0
    rate = stored / max(1e-9, max(times) - min(times)) if len(times) > 1 else 0.0
    drain_s = max(times) - max(stamps) if stamps else 0.0
    result = {
        "devices": count,
        "per_device": per_device,
        "target_msgs_per_s": round(count * per_device),
        "sent": sent,
        "stored": stored,
        "lost": sent - stored,
        "gaps": gaps,
        "broker_dropped": dropped,
        "offered_msgs_per_s": round(offered, 1),
        "stored_msgs_per_s": round(rate, 1),
        "p50_ms": round(percentile(delays, 0.50), 1) if delays else None,
        "p95_ms": round(percentile(delays, 0.95), 1) if delays else None,
        "arrival_p95_ms": round(percentile(arrivals, 0.95), 1) if arrivals else None,
        "drain_s": round(drain_s, 2),
        "rejected": stats.rejected_total,
        "store_failures": stats.store_failures,
        "device_errors": sum(int(r["errors"]) for r in reports),
    }
    result["lossless"] = (
        result["lost"] == 0 and gaps == 0 and dropped == 0 and drain_s <= args.max_lag
    )
    return result


def drain(gateway: DeviceGateway, ids: list[str], sent: int) -> tuple[int, int]:
    """(rows stored, sequence gaps) for `ids` once everything arrived or nothing more does."""
    last, quiet_since, deadline = -1, time.monotonic(), time.monotonic() + 120
    while True:
        gateway.wait_idle(0.5)
        spans = gateway.readings.spans(ids)
        stored = sum(s.stored for s in spans)
        if stored >= sent or time.monotonic() > deadline:
            break
        if stored != last:
            last, quiet_since = stored, time.monotonic()
        elif time.monotonic() - quiet_since > 3.0:  # nothing new for 3 s: the rest is lost
            break
        time.sleep(0.1)
    return stored, sum(s.lost for s in spans)


# --- the run -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians)")
    parser.add_argument(
        "--ladder", default="2000,3000,5000,7500,10000,15000,20000,25000",
        help="total messages/s of the 1,000-device steps",
    )  # fmt: skip
    parser.add_argument("--devices-per-process", type=int, default=250)
    parser.add_argument("--max-lag", type=float, default=2.0, help="drain_s limit of a step")
    parser.add_argument("--raw-messages", type=int, default=100_000)
    parser.add_argument("--raw-publishers", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="4 s phases, 1 repeat, 1 step")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.repeats, args.ladder, args.raw_messages = 4.0, 1, "3000", 10_000
    ladder = [int(x) for x in args.ladder.split(",")]
    if max(ladder) > 1000 * 10 * READINGS_PER_ROUND:
        parser.error("the binary runs at most 10 rounds/s per device: 30,000 messages/s")

    binary = ensure_built(progress=log)
    name = f"sentinel_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = broker = None
    runs: dict[str, list[dict]] = {}
    raw: list[float] = []
    best: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="sentinel-bench-broker-") as folder:
            db = Database.open(make_url(ADMIN_URL).set(database=name).render_as_string(False))
            broker = Broker(Path(folder))
            log(f"broker on 127.0.0.1:{broker.port}, database {name}, {args.duration:g} s phases")
            for repeat in range(args.repeats):
                raw.append(run_raw(broker, args.raw_messages, args.raw_publishers, Path(folder)))
                log(f"repeat {repeat + 1}: raw broker {raw[-1]:,.0f} msgs/s")
                ok_rates = []
                phases = [("100x1", 100, 1.0), ("1000x1", 1000, 1.0)]
                phases += [(f"1000@{r}", 1000, r / 1000) for r in ladder]
                for key, count, per_device in phases:
                    tag = f"r{repeat}{key.replace('@', 'a')}"
                    result = run_phase(binary, broker, db, count, per_device, args, tag)
                    runs.setdefault(key, []).append(result)
                    log(f"repeat {repeat + 1}: {key}: {json.dumps(result)}")
                    if result["lossless"]:
                        ok_rates.append(result["stored_msgs_per_s"])
                    elif key.startswith("1000@"):
                        break  # the ladder ends at the first step that loses or lags
                best.append(max(ok_rates, default=0.0))
    finally:
        if broker is not None:
            broker.close()
        if db is not None:
            db.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def median_of(results: list[dict]) -> dict:
        out: dict[str, Any] = {"runs": len(results)}
        for k in results[0]:
            values = [r[k] for r in results if r[k] is not None]
            if k == "lossless":
                out[k] = sum(values)  # lossless in how many of the runs
            elif values:
                out[k] = round(statistics.median(values), 2)
        return out

    nominal = runs["100x1"] + runs["1000x1"]
    summary = {
        "max_lossless_msgs_per_s": round(statistics.median(best), 1),
        "p95_ms": median_of(runs["1000x1"])["p95_ms"],
        "lost": sum(r["lost"] for r in nominal),
        "broker_msgs_per_s": round(statistics.median(raw)),
        "broker_dropped": sum(r["broker_dropped"] for rs in runs.values() for r in rs),
        "duration_s": args.duration,
        "devices_per_process": args.devices_per_process,
        "repeats": args.repeats,
        "phases": {k: median_of(v) for k, v in runs.items()},
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
