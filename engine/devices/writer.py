"""ReadingWriter: the thread that turns queued MQTT messages into stored rows, in batches."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from engine.devices.intake import Rejected, decode
from engine.storage.repos.devices import DeviceRepository, DeviceSighting
from engine.storage.repos.readings import ReadingRepository

log = logging.getLogger(__name__)

Message = tuple[str, bytes, float]  # topic, payload, receive time (epoch s)
# A device's row is rewritten for a newer last_seen alone at most this often: at 5 readings a
# second from each of 1,000 devices that was 5,000 row updates a second, as many as the readings.
LAST_SEEN_EVERY_S = 1.0
_FACTS = ("kind", "location", "firmware", "online", "status_reason", "boot")


@dataclass
class IntakeStats:
    """Counters of one gateway run. `rejected` is keyed by reason (json, schema, oversized,
    topic, device_mismatch); `duplicates` are valid messages already stored (QoS 1 redelivery,
    a retained status seen again)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    wills: int = 0
    store_failures: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass(frozen=True)
class DeviceActivity:
    """What one stored batch said about one device, for listeners (the in-process client's
    device subscription): the kinds of its readings ("status" for a last will too) and the
    newest uploaded image its camera events named."""

    device_id: str
    kinds: frozenset[str]
    image: str | None = None


ActivityListener = Callable[[list[DeviceActivity]], None]


class ReadingWriter:
    """Drains `intake` in batches of up to `batch_size`: validates each message, stores readings
    in one statement and updates the device registry (a status, a will or a changed fact at
    once; last_seen alone at most every LAST_SEEN_EVERY_S). A batch whose write fails is
    retried (the database may be restarting), then counted in store_failures and dropped."""

    def __init__(
        self,
        readings: ReadingRepository,
        devices: DeviceRepository,
        root: str,
        *,
        batch_size: int = 1000,
        retries: int = 5,
    ) -> None:
        self.intake: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._readings = readings
        self._devices = devices
        self._root = root
        self._batch_size = batch_size
        self._retries = retries
        self._lock = threading.Lock()
        self._stats = IntakeStats()
        self._busy = False
        self._listeners: list[ActivityListener] = []
        # What this writer last stored of each device, and when (monotonic s).
        self._written: dict[str, tuple[float, DeviceSighting]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="device-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after storing what is queued (or after `timeout`)."""
        self._stop.set()
        self._thread.join(timeout)

    def add_listener(self, listener: ActivityListener) -> None:
        """Call `listener` on the writer's thread after each stored batch; it must be quick
        (hand the news to another thread) and never raise."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def remove_listener(self, listener: ActivityListener) -> None:
        with self._lock:
            self._listeners = [x for x in self._listeners if x is not listener]

    def reject(self, reason: str) -> None:
        """Count a message refused before it was queued (the MQTT callback's size check)."""
        with self._lock:
            self._stats.received += 1
            self._stats.rejected[reason] += 1

    def stats(self) -> IntakeStats:
        with self._lock:
            return replace(self._stats, rejected=Counter(self._stats.rejected))

    def idle(self) -> bool:
        """Nothing queued and no batch in progress."""
        with self._lock:
            return not self._busy and self.intake.empty()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.01)
        return self.idle()

    def _run(self) -> None:
        while True:
            try:
                first = self.intake.get(timeout=0.05)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            with self._lock:
                self._busy = True
            batch = [first]
            while len(batch) < self._batch_size:
                try:
                    batch.append(self.intake.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except Exception:  # never let one bad batch kill the writer
                log.exception("device batch failed", extra={"messages": len(batch)})
            finally:
                with self._lock:
                    self._busy = False

    def _write(self, batch: list[Message]) -> None:
        rows = []
        sightings: dict[str, DeviceSighting] = {}
        rejected: Counter[str] = Counter()
        wills = 0
        for topic, payload, received in batch:
            try:
                decoded = decode(
                    self._root, topic, payload, datetime.fromtimestamp(received, timezone.utc)
                )
            except Rejected as exc:
                rejected[exc.reason] += 1
                log.debug("device message rejected", extra={"topic": topic, "reason": str(exc)})
                continue
            if decoded.reading is None:
                wills += 1
            else:
                rows.append(decoded.reading)
            sightings[decoded.sighting.device_id] = _merge(
                sightings.get(decoded.sighting.device_id), decoded.sighting
            )
        now = time.monotonic()
        news = [s for s in sightings.values() if self._is_news(s, now)]
        inserted = self._store(rows, news)
        if inserted is not None:
            for sighting in news:
                known = self._written.get(sighting.device_id)
                self._written[sighting.device_id] = (
                    now,
                    _merge(known[1] if known else None, sighting),
                )
        with self._lock:
            s = self._stats
            s.received += len(batch)
            s.rejected.update(rejected)
            s.wills += wills
            if inserted is None:
                s.store_failures += len(rows)
            else:
                s.stored += inserted
                s.duplicates += len(rows) - inserted
            listeners = self._listeners
        if listeners and inserted is not None:
            activity = _activity(rows, sightings)
            for listener in listeners:
                try:
                    listener(activity)
                except Exception:  # a listener's bug must not stop the storing
                    log.exception("device activity listener failed")

    def _is_news(self, sighting: DeviceSighting, now: float) -> bool:
        """Worth writing: a status or will, a fact the stored row lacks, or a last_seen the
        stored one trails by LAST_SEEN_EVERY_S."""
        known = self._written.get(sighting.device_id)
        if sighting.online is not None or known is None or now - known[0] >= LAST_SEEN_EVERY_S:
            return True
        return any(
            (value := getattr(sighting, name)) is not None and value != getattr(known[1], name)
            for name in _FACTS
        )

    def _store(self, rows: list[dict], sightings: list[DeviceSighting]) -> int | None:
        for attempt in range(self._retries):
            try:
                inserted = self._readings.add_many(rows)
                self._devices.upsert_many(sightings)
                return inserted
            except Exception:
                log.warning("device batch write failed, retrying", exc_info=True)
                if self._stop.is_set() and attempt >= 1:
                    break
                time.sleep(min(2.0, 0.2 * 2**attempt))
        return None


def _activity(rows: list[dict], sightings: dict[str, DeviceSighting]) -> list[DeviceActivity]:
    kinds: dict[str, set[str]] = {device_id: set() for device_id in sightings}
    images: dict[str, str] = {}
    for row in rows:
        kinds[row["device_id"]].add(row["kind"])
        if row["kind"] == "camera" and row["data"] and row["data"].get("image"):
            images[row["device_id"]] = row["data"]["image"]
    return [
        DeviceActivity(device_id, frozenset(found or {"status"}), images.get(device_id))
        for device_id, found in kinds.items()
    ]


def _merge(old: DeviceSighting | None, new: DeviceSighting) -> DeviceSighting:
    """Later messages of a batch win field by field; None never erases what is known."""
    if old is None:
        return new
    merged = replace(old)
    for name in ("last_seen", "location", "firmware", "online", "status_reason", "boot"):
        value = getattr(new, name)
        if value is not None:
            setattr(merged, name, value)
    return merged
