"""The one place that turns engine callbacks (camera threads) into Qt signals on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.client import EngineClient, Subscription
from engine.domain import CameraStatus, Event


class EngineBridge(QObject):
    """Signals are emitted from engine threads; Qt queues them to receivers on the GUI thread."""

    frame_ready = Signal(str, object)  # camera id, FrameResult
    event_ready = Signal(object)  # Event
    status_changed = Signal(object)  # CameraStatus

    def __init__(self, client: EngineClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self._subscriptions: dict[str, Subscription] = {}
        self._global = [
            client.subscribe_events(self._on_event),
            client.subscribe_status(self._on_status),
        ]

    def watch(self, camera_id: str) -> None:
        if camera_id not in self._subscriptions:
            self._subscriptions[camera_id] = self.client.subscribe_frames(
                camera_id, lambda result, cid=camera_id: self.frame_ready.emit(cid, result)
            )

    def watched(self) -> set[str]:
        return set(self._subscriptions)

    def unwatch(self, camera_id: str) -> None:
        subscription = self._subscriptions.pop(camera_id, None)
        if subscription is not None:
            subscription.cancel()

    def _on_event(self, event: Event) -> None:
        self.event_ready.emit(event)

    def _on_status(self, status: CameraStatus) -> None:
        self.status_changed.emit(status)

    def close(self) -> None:
        for subscription in [*self._subscriptions.values(), *self._global]:
            subscription.cancel()
        self._subscriptions.clear()
        self._global.clear()
