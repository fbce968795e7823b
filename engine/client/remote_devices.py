"""The remote client's device subscription: updates pushed over `/ws/devices` (PushedDevices),
with the same reading kinds and image names the in-process client gets. An engine that pushes
none (no device gateway, or older than the stream) is polled instead (DevicePoller: the fleet
list, `GET /devices`, every `interval_s`, each changed device reported without reading kinds or
image), and so is one whose stream is lost, until the stream is dialled again
(engine.client.redial)."""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from websockets.sync.client import connect

from engine.client.redial import Redialled
from engine.client.remote import LiveStreamSubscription
from engine.domain.device import DeviceSummary, DeviceUpdate
from engine.domain.device_stream import DeviceStreamMessage, LiveDevice
from engine.domain.live import LiveDropped

log = logging.getLogger(__name__)
POLL_S = 1.0  # the Fleet view's own refresh rate before devices were pushed
_MESSAGE: TypeAdapter[Any] = TypeAdapter(
    Annotated[DeviceStreamMessage, Field(discriminator="type")]  # type: ignore[arg-type]
)


class DevicePoller:
    """Reads the list once at construction (raising what refuses it, e.g. AccessDenied) unless
    given the devices already `known` (an empty list: report every device on the first round),
    then calls back on a thread of its own; `cancel` stops it."""

    def __init__(
        self,
        list_devices: Callable[[], list[DeviceSummary]],
        callback: Callable[[DeviceUpdate], None],
        interval_s: float = POLL_S,
        *,
        known: list[DeviceSummary] | None = None,
    ) -> None:
        self._list_devices = list_devices
        self._callback = callback
        self._interval_s = interval_s
        found = list_devices() if known is None else known
        self._known = {d.device_id: d for d in found}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="device-poller", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                now = {d.device_id: d for d in self._list_devices()}
            except Exception as exc:  # the engine is away: the next round tries again
                log.warning("device list not read: %s", exc)
                continue
            for device_id, device in now.items():
                if self._known.get(device_id) != device and not self._stop.is_set():
                    try:
                        self._callback(DeviceUpdate(device=device))
                    except Exception:  # a viewer's bug must not stop the updates
                        log.exception("device update callback failed")
            self._known = now


class PushedDevices:
    """Device updates from a remote engine's `/ws/devices` as the user whose current token
    `token()` gives. Construction raises what refused the stream: InvalidCredentials,
    AccessDenied, NotFound (an engine without the stream) or Unavailable (an engine without a
    device gateway), OSError. A stream lost later is dialled again (`relogin` renews an expired
    token); while it is down the fleet list is polled (`list_devices`), and once it is back
    every device is reported once, so nothing that changed in the gap is missed."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str],
        callback: Callable[[DeviceUpdate], None],
        list_devices: Callable[[], list[DeviceSummary]],
        *,
        ssl_context: ssl.SSLContext | None = None,
        relogin: Callable[[], object] | None = None,
    ) -> None:
        scheme, rest = base_url.rstrip("/").split("://", 1)
        url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/devices"
        self._callback = callback
        self._list_devices = list_devices
        self._lock = threading.Lock()
        self._cancelled = False
        self._poller: DevicePoller | None = None

        def open_connection() -> Any:
            return connect(
                url,
                additional_headers={"Authorization": f"Bearer {token()}"},
                ssl=ssl_context if url.startswith("wss:") else None,
                open_timeout=10,
            )

        def open_stream(on_lost: Callable[[], None]) -> LiveStreamSubscription:
            return LiveStreamSubscription(
                open_connection, self._deliver, messages=_MESSAGE, on_lost=on_lost
            )

        self._stream = Redialled(
            open_stream,
            name=f"device stream of {base_url}",
            relogin=relogin,
            on_lost=self._lost,
            on_back=self._back,
        )

    @property
    def polling(self) -> bool:
        """True while the stream is down and the list is polled instead."""
        with self._lock:
            return self._poller is not None

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            poller, self._poller = self._poller, None
        self._stream.cancel()
        if poller is not None:
            poller.cancel()

    def _deliver(self, message: Any) -> None:
        if isinstance(message, LiveDevice):
            updates = [message.update()]
        elif isinstance(message, LiveDropped):  # this viewer fell behind: catch up on all
            self._catch_up()
            return
        else:  # a pong
            return
        self._send(updates)

    def _catch_up(self) -> None:
        try:
            updates = [DeviceUpdate(device=device) for device in self._list_devices()]
        except Exception as exc:  # the engine is away; its next updates still come
            log.warning("device list not read to catch up: %s", exc)
            return
        self._send(updates)

    def _send(self, updates: list[DeviceUpdate]) -> None:
        for update in updates:
            try:
                self._callback(update)
            except Exception:  # a viewer's bug must not end the stream
                log.exception("device update callback failed")

    def _lost(self) -> None:
        log.warning("device stream lost: polling the device list until it is back")
        with self._lock:
            if not self._cancelled and self._poller is None:
                # Nothing known: the first round reports every device, catching up on what
                # the stream missed.
                self._poller = DevicePoller(self._list_devices, self._callback, known=[])

    def _back(self) -> None:
        with self._lock:
            poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
        self._catch_up()  # what changed between the last poll and the stream's return
