"""DeviceStreamService: device updates pushed to remote viewers (`GET /ws/devices`), fleet.read.

What the engine's gateway stores and what the fleet services change go to one DeviceFeed
(engine.devices.device_feed), which lists the fleet once per round; each DeviceUpdate becomes its
wire message once and is offered to every viewer's bounded queue (engine.live_feed: a viewer
that falls behind loses its oldest messages and is told how many). The feed is listened to only
while someone views, so an engine nobody watches lists nothing.

Without a gateway the stream would miss every reading (another process may be storing them), so
opening it answers Unavailable and remote clients poll `GET /devices` instead."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone

from engine.devices.device_feed import DeviceFeed, DeviceFeedSubscription
from engine.devices.gateway import DeviceGateway
from engine.domain.device import DeviceSummary, DeviceUpdate
from engine.domain.device_stream import LiveDevice
from engine.live_feed import LiveFeed, LiveQueue
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.errors import Unavailable
from engine.services.fleet import device_public
from engine.services.queued_stream import QueuedStream
from engine.storage.repos.devices import DeviceRepository


class DeviceStreamSubscription(QueuedStream):
    """One remote viewer's queue of device messages."""

    def __init__(self, queue: LiveQueue, closed: Callable[[], None]) -> None:
        super().__init__(queue)
        self._closed = closed

    def cancel(self) -> None:
        super().cancel()
        self._closed()


class DeviceStreamService:
    """`attach(gateway)` makes the stream push what the gateway stores; `changed(device_id)`
    reports a change made through the services (registration, revocation, config, heartbeat)."""

    def __init__(
        self,
        devices: DeviceRepository,
        audit: AuditLog,
        maxsize: int = 256,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._devices = devices
        self._audit = audit
        self._clock = clock
        self._viewers = LiveFeed(maxsize)
        self._feed = DeviceFeed(self._list)
        self._lock = threading.Lock()
        self._relay: DeviceFeedSubscription | None = None
        self._gateway: DeviceGateway | None = None

    def attach(self, gateway: DeviceGateway) -> None:
        gateway.add_listener(self._feed.on_activity)
        self._gateway = gateway

    def changed(self, device_id: str) -> None:
        self._feed.changed([device_id])

    def open(
        self, principal: Principal, wake: Callable[[], None], maxsize: int | None = None
    ) -> DeviceStreamSubscription:
        """AccessDenied (audited) without fleet.read; Unavailable without a gateway. `wake`
        is called (on another thread) when the queue goes from empty to non-empty."""
        require(principal, Permission.FLEET_READ, self._audit, "device.subscribe")
        if self._gateway is None:
            raise Unavailable("this engine has no device broker: read GET /devices instead")
        queue = self._viewers.open(wake, maxsize=maxsize)
        with self._lock:
            if self._relay is None:
                self._relay = self._feed.subscribe(self._publish)
        return DeviceStreamSubscription(queue, self._viewer_left)

    def close(self) -> None:
        """Stop listening to the gateway and end the feed's thread."""
        if self._gateway is not None:
            self._gateway.remove_listener(self._feed.on_activity)
        self._feed.close()

    def _viewer_left(self) -> None:
        with self._lock:
            if self._viewers.subscribers == 0 and self._relay is not None:
                self._relay.cancel()
                self._relay = None

    def _publish(self, update: DeviceUpdate) -> None:
        self._viewers.publish(LiveDevice.of(update))  # converted once, for every viewer

    def _list(self) -> list[DeviceSummary]:
        # Every viewer holds fleet.read, which sees the whole fleet: one list serves them all.
        now = self._clock()
        return [
            DeviceSummary.model_validate(device_public(row, now).model_dump())
            for row in self._devices.list()
        ]
