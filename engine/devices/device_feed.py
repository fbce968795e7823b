"""DeviceFeed: device updates as they are stored, for the in-process client's subscription and
the server's `/ws/devices`. The gateway's writer reports each stored batch (online/offline,
last seen, new readings, acks, camera images) and the fleet service's callers report
registrations, revocations and config changes; a thread of its own turns that news into
DeviceUpdates for every subscriber, so neither the writer nor the caller waits on them.

News that arrives while an update round runs is merged into the next round: a busy fleet gets
at most one update per device per `settle_s`, each carrying everything since the last."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from engine.devices.writer import DeviceActivity
from engine.domain.device import DeviceSummary, DeviceUpdate

log = logging.getLogger(__name__)
SETTLE_S = 0.1  # how long news gathers before a round: one list query per round


@dataclass
class _Pending:
    kinds: set[str] = field(default_factory=set)
    image: str | None = None


class DeviceFeedSubscription:
    def __init__(self, feed: DeviceFeed, callback: Callable[[DeviceUpdate], None]) -> None:
        self._feed = feed
        self.callback = callback

    def cancel(self) -> None:
        self._feed._remove(self)


class DeviceFeed:
    """`list_devices` gives the fleet as the subscribers may see it (the local user's view);
    it is called once per round, on the feed's thread."""

    def __init__(
        self, list_devices: Callable[[], list[DeviceSummary]], settle_s: float = SETTLE_S
    ) -> None:
        self._list_devices = list_devices
        self._settle_s = settle_s
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._subscribers: list[DeviceFeedSubscription] = []
        self._news = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, callback: Callable[[DeviceUpdate], None]) -> DeviceFeedSubscription:
        """`callback(update)` on the feed's thread for each change from now on."""
        subscription = DeviceFeedSubscription(self, callback)
        with self._lock:
            self._subscribers = [*self._subscribers, subscription]
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._run, name="device-feed", daemon=True)
                self._thread.start()
        return subscription

    def on_activity(self, activity: list[DeviceActivity]) -> None:
        """The gateway writer's listener: note what a stored batch said."""
        with self._lock:
            if not self._subscribers:
                return
            for item in activity:
                pending = self._pending.setdefault(item.device_id, _Pending())
                pending.kinds |= item.kinds
                if item.image is not None:
                    pending.image = item.image
        self._news.set()

    def changed(self, device_ids: Iterable[str]) -> None:
        """A change made through the fleet service (registration, revocation, config)."""
        self.on_activity([DeviceActivity(device_id, frozenset()) for device_id in device_ids])

    def close(self) -> None:
        self._closed.set()
        self._news.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5)

    def _remove(self, subscription: DeviceFeedSubscription) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s is not subscription]

    def _run(self) -> None:
        while True:
            self._news.wait()
            if self._closed.is_set():
                return
            self._closed.wait(self._settle_s)  # let a burst of batches gather
            with self._lock:
                self._news.clear()
                pending, self._pending = self._pending, {}
                subscribers = self._subscribers
            if pending and subscribers:
                self._deliver(pending, subscribers)

    def _deliver(
        self, pending: dict[str, _Pending], subscribers: list[DeviceFeedSubscription]
    ) -> None:
        try:
            devices = {d.device_id: d for d in self._list_devices()}
        except Exception:  # the database is away: the next news tries again
            log.warning("device updates skipped: the device list failed", exc_info=True)
            return
        for device_id, news in pending.items():
            device = devices.get(device_id)
            if device is None:  # not visible to this user, or gone
                continue
            update = DeviceUpdate(device=device, kinds=frozenset(news.kinds), image=news.image)
            for subscription in subscribers:
                try:
                    subscription.callback(update)
                except Exception:  # one subscriber's bug must not starve the others
                    log.exception("device update callback failed")
