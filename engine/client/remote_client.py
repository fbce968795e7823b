"""RemoteEngineClient: the EngineClient of a remote `sentinel-engine serve`, as one user.

REST (RemoteHttp) for cameras, events, snapshots and devices; the live stream `/ws/events`
(RemoteEventStream, one WebSocket per subscription) for events and camera states, and
`/ws/devices` (PushedDevices) for device updates; WebRTC
(WebRtcVideo) for frames with their detections. The server's services decide what this user
may see, exactly as the in-process client's do, and refusals raise the same errors
(engine.services.errors). Callbacks run on the streams' own threads, as the in-process
client's run on camera threads.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
from pydantic import TypeAdapter

from engine.client.protocol import EventQuery, Subscription
from engine.client.redial import Redialled
from engine.client.remote import RemoteEventStream
from engine.client.remote_devices import DevicePoller, PushedDevices
from engine.client.remote_http import RemoteHttp, unreachable
from engine.client.snapshot_keys import SnapshotKeys
from engine.client.webrtc import WebRtcVideo
from engine.devices.payloads import DeviceConfigPatch
from engine.domain import Camera, CameraStatus, Event, FrameResult
from engine.domain.device import (
    CommandName,
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)
from engine.domain.live import LiveEvent, LiveMessage, LiveStatus
from engine.services.cameras import CameraCreate, CameraPublic
from engine.services.errors import InvalidCredentials, NotFound, Unavailable

_EVENTS = TypeAdapter(list[Event])
_CAMERAS = TypeAdapter(list[CameraPublic])
_DEVICES = TypeAdapter(list[DeviceSummary])  # extra fields of DevicePublic are ignored
_READINGS = TypeAdapter(list[Reading])
log = logging.getLogger(__name__)


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


class _Owned:
    """A subscription the client cancels on close unless its holder did first."""

    def __init__(self, owner: set[_Owned], inner: _Cancellable) -> None:
        self._owner = owner
        self.inner = inner
        owner.add(self)

    def cancel(self) -> None:
        self._owner.discard(self)
        self.inner.cancel()


class RemoteEngineClient:
    """`site`: the server's site name; `base_url`: where it answers."""

    def __init__(
        self,
        http: RemoteHttp,
        site: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        ice_servers: Sequence[str] = (),
    ) -> None:
        self.base_url = http.base_url
        self.site = site
        self._http = http
        self._ssl = ssl_context
        self._ice_servers = list(ice_servers)
        self._video: WebRtcVideo | None = None  # its event loop thread starts with the first
        self._lock = threading.Lock()
        self._subscriptions: set[_Owned] = set()
        self._snapshots = SnapshotKeys()

    # cameras ----------------------------------------------------------------------------------
    def list_cameras(self) -> list[Camera]:
        found = _CAMERAS.validate_python(self._get("/api/cameras").json())
        return [camera.to_camera() for camera in found]

    def add_camera(self, camera: Camera) -> Camera:
        body = CameraCreate.of(camera).model_dump(mode="json")
        made = self._http.request("POST", "/api/cameras", json=body).json()
        return CameraPublic.model_validate(made).to_camera()

    def remove_camera(self, camera_id: str) -> None:
        self._http.request("DELETE", f"/api/cameras/{_part(camera_id)}")

    def camera_status(self, camera_id: str) -> CameraStatus:
        answer = self._get(f"/api/cameras/{_part(camera_id)}/status")
        return CameraStatus.model_validate(answer.json())

    # live -------------------------------------------------------------------------------------
    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> Subscription:
        video = self._video_player()
        opened = self._retried(lambda: video.subscribe_frames(camera_id, callback))
        return _Owned(self._subscriptions, opened)

    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription:
        remember = self._snapshots.remember

        def deliver(message: LiveMessage) -> None:
            if isinstance(message, LiveEvent):
                callback(remember(message.event))

        return self._stream(deliver)

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription:
        def deliver(message: LiveMessage) -> None:
            if isinstance(message, LiveStatus):
                callback(message.status)

        return self._stream(deliver)

    # events -----------------------------------------------------------------------------------
    def list_events(self, query: EventQuery) -> list[Event]:
        params = query.model_dump(mode="json", exclude_none=True)
        found = _EVENTS.validate_python(self._get("/events", params=params).json())
        return [self._snapshots.remember(event) for event in found]

    def get_event(self, event_id: str) -> Event | None:
        try:
            answer = self._get(f"/events/{_part(event_id)}")
        except NotFound:
            return None
        return self._snapshots.remember(Event.model_validate(answer.json()))

    def get_snapshot(self, key: str) -> bytes:
        event_id = self._snapshots.event_id(key)
        return self._get(f"/events/{_part(event_id)}/snapshot").content

    # devices ----------------------------------------------------------------------------------
    def list_devices(self) -> list[DeviceSummary]:
        return _DEVICES.validate_python(self._get("/devices").json())

    def subscribe_devices(self, callback: Callable[[DeviceUpdate], None]) -> Subscription:
        """Pushed over `/ws/devices` as the engine stores them; from an engine that pushes
        none (no device gateway, or older) polled instead: each changed device about once a
        second, without reading kinds or image."""

        def open_stream() -> _Cancellable:
            return PushedDevices(
                self.base_url,
                lambda: self._http.token,
                callback,
                self.list_devices,
                ssl_context=self._ssl,
                relogin=self._http.refresh,
            )

        try:
            found: _Cancellable = self._retried(open_stream)
        except (NotFound, Unavailable) as exc:
            log.info("device updates polled from %s: %s", self.base_url, exc)
            found = DevicePoller(self.list_devices, callback)
        return _Owned(self._subscriptions, found)

    def latest_device_image(self, device_id: str) -> DeviceSnapshot | None:
        try:
            answer = self._get(f"/devices/{_part(device_id)}/snapshot")
        except NotFound:
            return None
        headers = answer.headers
        return DeviceSnapshot(
            device_id=device_id,
            filename=headers["x-image-filename"],
            uploaded_at=datetime.fromisoformat(headers["x-uploaded-at"]),
            content_type=headers.get("content-type", "image/jpeg"),
            width=int(headers["x-image-width"]),
            height=int(headers["x-image-height"]),
            data=answer.content,
        )

    def device_readings(
        self,
        device_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[Reading]:
        params: dict[str, Any] = {"device": device_id, "limit": limit}
        if kind is not None:
            params["kind"] = kind
        if since is not None:
            params["start"] = since.isoformat()
        return _READINGS.validate_python(self._get("/api/readings", params=params).json())

    def send_command(
        self, device_id: str, command: CommandName, *, duration_ms: int | None = None
    ) -> DeviceAck:
        body = {"command": command, "duration_ms": duration_ms}
        path = f"/devices/{_part(device_id)}/commands"
        return DeviceAck.model_validate(self._http.request("POST", path, json=body).json())

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> DeviceAck | None:
        body = patch.model_dump(mode="json", exclude_none=True)
        answer = self._http.request("PATCH", f"/devices/{_part(device_id)}/config", json=body)
        found = answer.json()
        return None if found is None else DeviceAck.model_validate(found)

    def register_device(
        self, device_id: str, *, kind: str = "esp32", location: str | None = None
    ) -> DeviceCredentials:
        body = {"device_id": device_id, "kind": kind, "location": location}
        made = self._http.request("POST", "/register", json=body).json()
        return DeviceCredentials.model_validate(made)

    def revoke_device(self, device_id: str) -> None:
        self._http.request("DELETE", f"/devices/{_part(device_id)}")

    def close(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.cancel()
        with self._lock:
            video, self._video = self._video, None
        if video is not None:
            video.close()
        self._http.close()

    # plumbing ---------------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return self._http.request("GET", path, params=params)

    def _stream(self, deliver: Callable[[LiveMessage], None]) -> Subscription:
        """/ws/events, opened again whenever it is lost (the server restarted, the network
        dropped) until cancelled."""

        def open_stream(on_lost: Callable[[], None]) -> _Cancellable:
            stream = RemoteEventStream(self.base_url, self._http.token, ssl_context=self._ssl)
            return stream.subscribe(deliver, on_lost=on_lost)

        def redialled() -> _Cancellable:
            name = f"live stream of {self.base_url}"
            return Redialled(open_stream, name=name, relogin=self._http.refresh)

        return _Owned(self._subscriptions, self._retried(redialled))

    def _video_player(self) -> WebRtcVideo:
        with self._lock:
            if self._video is None:
                self._video = WebRtcVideo(
                    self.base_url,
                    lambda: self._http.token,
                    verify=self._http.verify,
                    ice_servers=self._ice_servers,
                    relogin=self._http.refresh,
                )
            return self._video

    def _retried(self, open_it: Callable[[], _Cancellable]) -> _Cancellable:
        """Open a stream; once more after logging in again if the token had expired. A server
        that cannot be reached (or fails TLS) is Unavailable."""
        try:
            try:
                return open_it()
            except InvalidCredentials:
                self._http.refresh()
                return open_it()
        except (OSError, httpx.TransportError, TimeoutError) as exc:
            raise unreachable(self.base_url, exc) from None


def _part(value: str) -> str:
    """One path segment, whatever the caller's id holds."""
    return quote(value, safe="")


def open_remote_client(
    base_url: str,
    name: str,
    password: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    ice_servers: Sequence[str] = (),
) -> RemoteEngineClient:
    """Log in to the engine at `base_url` (https with `ssl_context` trusting its CA) as `name`.
    InvalidCredentials for a refused login; Unavailable when the engine cannot be reached.
    `ice_servers` are the only ICE servers the video uses (none: host candidates)."""
    verify: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
    http = RemoteHttp(base_url, name, password, verify=verify)
    try:
        info = http.request("GET", "/").json()
    except BaseException:
        http.close()
        raise
    site = str(info.get("site") or urlsplit(http.base_url).hostname or "remote")
    return RemoteEngineClient(http, site, ssl_context=ssl_context, ice_servers=ice_servers)
