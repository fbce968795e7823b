"""MultiSiteClient: one EngineClient over several engines (sites) at once.

A console connected to several engines sees every id site-qualified, `site/uuid`
(docs/contracts.md "Sites"): camera ids, event ids and their camera ids, snapshot keys and device
ids. Calls go to the site named by the prefix; subscriptions and lists fan in from every site.
A site that fails (unreachable, its login expired) never breaks the others: its cameras stay
listed from the last answer and show as failed, and its error is kept in `problems()`.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from engine.client.protocol import MAX_OFFSET, EngineClient, EventQuery, Subscription
from engine.devices.payloads import DeviceConfigPatch
from engine.domain import Camera, CameraState, CameraStatus, Event, FrameResult
from engine.domain.device import (
    CommandName,
    DeviceAck,
    DeviceCredentials,
    DeviceSnapshot,
    DeviceSummary,
    DeviceUpdate,
    Reading,
)
from engine.services.errors import (
    AccessDenied,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Unavailable,
)

log = logging.getLogger(__name__)

SEPARATOR = "/"
# What one site may raise without the others being affected: it is down or unreachable, its
# token expired, or this user may not read that part of it.
SITE_FAILURES: tuple[type[Exception], ...] = (
    Unavailable,
    InvalidCredentials,
    AccessDenied,
    OSError,
)
_PAGE = 1000  # EventQuery.limit's bound
Value = TypeVar("Value")
Model = TypeVar("Model", bound=BaseModel)


def check_site_name(name: str) -> str:
    """`name` if it can name a site: not blank, no '/' (the qualifier), no surrounding spaces."""
    if not name or name != name.strip():
        raise ValueError(f"site name {name!r}: empty or with surrounding spaces")
    if SEPARATOR in name:
        raise ValueError(f"site name {name!r} contains {SEPARATOR!r}")
    return name


def qualify(site: str, local_id: object) -> str:
    return f"{site}{SEPARATOR}{local_id}"


def split_qualified(qualified: str) -> tuple[str, str]:
    """('site', 'uuid') from 'site/uuid'; NotFound for an id without a site."""
    site, sep, local_id = qualified.partition(SEPARATOR)
    if not sep or not site or not local_id:
        raise NotFound()
    return site, local_id


class FanInSubscription:
    """Several sites' subscriptions as one: `cancel` cancels each, whatever the others do."""

    def __init__(self, parts: list[Subscription]) -> None:
        self.parts = parts

    def cancel(self) -> None:
        parts, self.parts = self.parts, []
        for part in parts:
            try:
                part.cancel()
            except Exception as exc:  # one site's hang-up failing must not leak the others
                log.warning("cancelling a site's subscription failed: %r", exc)


class MultiSiteClient:
    """EngineClient over `clients` (site name -> that engine's EngineClient), in their order.
    What the console gets back carries qualified ids and `site` set to the site's name here;
    what it hands in (camera ids, event ids, snapshot keys, device ids) must be qualified.
    Domain types declare `Camera.id` and `Event.id` as UUIDs: here they hold the qualified text,
    which is what `str(camera.id)` gives the console. Callbacks run on the sites' own threads."""

    def __init__(self, clients: Mapping[str, EngineClient]) -> None:
        if not clients:
            raise ValueError("no site to connect to")
        self.clients: dict[str, EngineClient] = {
            check_site_name(site): client for site, client in clients.items()
        }
        self._lock = threading.Lock()
        self._problems: dict[str, str] = {}
        self._cameras: dict[str, list[Camera]] = {site: [] for site in self.clients}
        self._status_callbacks: list[Callable[[CameraStatus], None]] = []

    @property
    def sites(self) -> list[str]:
        return list(self.clients)

    def problems(self) -> dict[str, str]:
        """Site name -> why its last call failed, for the sites failing now."""
        with self._lock:
            return dict(self._problems)

    # cameras ------------------------------------------------------------------------------
    def list_cameras(self) -> list[Camera]:
        """Every site's cameras; a failing site's as last listed (they show as failed). A site
        answering again after failing republishes its cameras' states."""
        cameras: list[Camera] = []
        for site, client in self.clients.items():
            try:
                found = [_camera(site, camera) for camera in client.list_cameras()]
            except SITE_FAILURES as exc:
                self._failed(site, exc)
                found = self._cameras[site]
            else:
                self._cameras[site] = found
                if self._answered(site):
                    for camera in found:
                        self._publish_status(self.camera_status(str(camera.id)))
            cameras += found
        return cameras

    def add_camera(self, camera: Camera) -> Camera:
        """Added to the site `camera.site` names; with one site connected, to that one."""
        site = self._site_for(camera.site if "site" in camera.model_fields_set else None)
        # The engine sets its own site on a camera that names none.
        fresh = Camera.model_validate(camera.model_dump(exclude={"site"}))
        return _camera(site, self.clients[site].add_camera(fresh))

    def remove_camera(self, camera_id: str) -> None:
        site, local_id = self._route(camera_id)
        self.clients[site].remove_camera(local_id)

    def camera_status(self, camera_id: str) -> CameraStatus:
        site, local_id = self._route(camera_id)
        try:
            status = self.clients[site].camera_status(local_id)
        except SITE_FAILURES as exc:
            self._failed(site, exc)
            return self._site_down_status(site, camera_id)
        return status.model_copy(update={"camera_id": camera_id})

    def subscribe_frames(
        self, camera_id: str, callback: Callable[[FrameResult], None]
    ) -> Subscription:
        """A camera of a failing site gets no frames: its status says so instead."""
        site, local_id = self._route(camera_id)

        def qualified(result: FrameResult) -> None:
            if result.events:
                result = dataclasses.replace(
                    result, events=[_event(site, event) for event in result.events]
                )
            callback(result)

        try:
            return self.clients[site].subscribe_frames(local_id, qualified)
        except SITE_FAILURES as exc:
            self._failed(site, exc)
            self._publish_status(self._site_down_status(site, camera_id))
            return FanInSubscription([])

    def subscribe_status(self, callback: Callable[[CameraStatus], None]) -> Subscription:
        """Every site's camera states; a site found failing publishes its cameras as failed."""
        with self._lock:
            self._status_callbacks.append(callback)

        def qualified(site: str) -> Callable[[CameraStatus], None]:
            return lambda status: callback(
                status.model_copy(update={"camera_id": qualify(site, status.camera_id)})
            )

        parts = self._fan_in(lambda site, client: client.subscribe_status(qualified(site)))
        return _Detaching(parts, lambda: self._detach_status(callback))

    # events -------------------------------------------------------------------------------
    def subscribe_events(self, callback: Callable[[Event], None]) -> Subscription:
        return FanInSubscription(
            self._fan_in(
                lambda site, client: client.subscribe_events(
                    lambda event: callback(_event(site, event))
                )
            )
        )

    def list_events(self, query: EventQuery) -> list[Event]:
        """Newest first over every site (or the one site of `query.camera_id`)."""
        if query.camera_id is not None:
            try:
                site, local_id = self._route(query.camera_id)
            except NotFound:
                return []
            local = query.model_copy(update={"camera_id": local_id})
            return [_event(site, event) for event in self.clients[site].list_events(local)]
        wanted = query.offset + query.limit
        answers = self._gather(lambda client: _newest_events(client, query, wanted))
        merged = [_event(site, event) for site, events in answers.items() for event in events]
        merged.sort(key=lambda event: event.timestamp, reverse=True)  # stable: ties keep order
        return merged[query.offset : wanted]

    def get_event(self, event_id: str) -> Event | None:
        try:
            site, local_id = self._route(event_id)
        except NotFound:
            return None
        event = self.clients[site].get_event(local_id)
        return _event(site, event) if event is not None else None

    def get_snapshot(self, key: str) -> bytes:
        site, local_key = self._route(key)
        return self.clients[site].get_snapshot(local_key)

    # devices ------------------------------------------------------------------------------
    def list_devices(self) -> list[DeviceSummary]:
        answers = self._gather(lambda client: client.list_devices())
        return [_device(site, d) for site, devices in answers.items() for d in devices]

    def subscribe_devices(self, callback: Callable[[DeviceUpdate], None]) -> Subscription:
        """Every site's device changes; AccessDenied (or the like) only if no site allows it."""

        def qualified(site: str) -> Callable[[DeviceUpdate], None]:
            return lambda update: callback(
                update.model_copy(update={"device": _device(site, update.device)})
            )

        parts = self._fan_in(
            lambda site, client: client.subscribe_devices(qualified(site)), raise_if_none=True
        )
        return FanInSubscription(parts)

    def latest_device_image(self, device_id: str) -> DeviceSnapshot | None:
        site, local_id = self._route(device_id)
        image = self.clients[site].latest_device_image(local_id)
        return _device(site, image) if image is not None else None

    def device_readings(
        self,
        device_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[Reading]:
        site, local_id = self._route(device_id)
        readings = self.clients[site].device_readings(local_id, kind, since, limit)
        return [_device(site, reading) for reading in readings]

    def send_command(
        self, device_id: str, command: CommandName, *, duration_ms: int | None = None
    ) -> DeviceAck:
        site, local_id = self._route(device_id)
        ack = self.clients[site].send_command(local_id, command, duration_ms=duration_ms)
        return _device(site, ack)

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> DeviceAck | None:
        site, local_id = self._route(device_id)
        ack = self.clients[site].push_config(local_id, patch)
        return _device(site, ack) if ack is not None else None

    def register_device(
        self, device_id: str, *, kind: str = "esp32", location: str | None = None
    ) -> DeviceCredentials:
        """`device_id` as `site/name`; a bare name with one site connected registers there."""
        if SEPARATOR in device_id:
            site, local_id = self._route(device_id)
        else:
            site, local_id = self._site_for(None), device_id
        credentials = self.clients[site].register_device(local_id, kind=kind, location=location)
        return _device(site, credentials)

    def revoke_device(self, device_id: str) -> None:
        site, local_id = self._route(device_id)
        self.clients[site].revoke_device(local_id)

    def close(self) -> None:
        for site, client in self.clients.items():
            try:
                client.close()
            except Exception as exc:  # every site gets closed whatever one does
                log.warning("closing site %s failed: %r", site, exc)

    # helpers ------------------------------------------------------------------------------
    def _route(self, qualified: str) -> tuple[str, str]:
        site, local_id = split_qualified(qualified)
        if site not in self.clients:
            raise NotFound()
        return site, local_id

    def _site_for(self, named: str | None) -> str:
        if named in self.clients:
            return named  # type: ignore[return-value]
        if named is None and len(self.clients) == 1:
            return next(iter(self.clients))
        raise InvalidInput(f"choose a site: {', '.join(self.clients)}")

    def _fan_in(
        self,
        subscribe: Callable[[str, EngineClient], Subscription],
        *,
        raise_if_none: bool = False,
    ) -> list[Subscription]:
        """Each site's subscription; failing sites left out (with `raise_if_none`, the first
        site's error is raised when every site failed)."""
        parts: list[Subscription] = []
        first: Exception | None = None
        for site, client in self.clients.items():
            try:
                parts.append(subscribe(site, client))
            except SITE_FAILURES as exc:
                self._failed(site, exc)
                first = first or exc
        if raise_if_none and not parts and first is not None:
            raise first
        return parts

    def _gather(self, call: Callable[[EngineClient], list[Value]]) -> dict[str, list[Value]]:
        """Each site's answer; failing sites left out, unless every site failed (then the
        first site's error is raised)."""
        answers: dict[str, list[Value]] = {}
        first: Exception | None = None
        for site, client in self.clients.items():
            try:
                answers[site] = call(client)
            except SITE_FAILURES as exc:
                self._failed(site, exc)
                first = first or exc
            else:
                self._answered(site)
        if not answers and first is not None:
            raise first
        return answers

    def _failed(self, site: str, exc: Exception) -> None:
        reason = describe_failure(exc)
        with self._lock:
            newly = site not in self._problems
            self._problems[site] = reason
        if newly:
            log.warning("site %s failing: %s", site, reason)
            for camera in self._cameras[site]:
                self._publish_status(self._site_down_status(site, str(camera.id)))

    def _answered(self, site: str) -> bool:
        """Forget the site's problem; True if it had one."""
        with self._lock:
            return self._problems.pop(site, None) is not None

    def _site_down_status(self, site: str, camera_id: str) -> CameraStatus:
        reason = self.problems().get(site, "unreachable")
        return CameraStatus(
            camera_id=camera_id, state=CameraState.FAILED, message=f"site {site}: {reason}"
        )

    def _publish_status(self, status: CameraStatus) -> None:
        with self._lock:
            callbacks = list(self._status_callbacks)
        for callback in callbacks:
            callback(status)

    def _detach_status(self, callback: Callable[[CameraStatus], None]) -> None:
        with self._lock:
            if callback in self._status_callbacks:
                self._status_callbacks.remove(callback)


class _Detaching(FanInSubscription):
    """A fan-in that also forgets its callback here when cancelled."""

    def __init__(self, parts: list[Subscription], detach: Callable[[], None]) -> None:
        super().__init__(parts)
        self._detach = detach

    def cancel(self) -> None:
        self._detach()
        super().cancel()


def describe_failure(exc: BaseException) -> str:
    """One line an operator can act on, for a site's failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "its certificate is not trusted (choose the site's CA file)"
    if isinstance(exc, InvalidCredentials):
        return "login refused (wrong user name or password, or the session expired)"
    if isinstance(exc, AccessDenied):
        return "this user may not do that here"
    if isinstance(exc, Unavailable):
        return str(exc)  # names the collaborator that is down, never data
    if isinstance(exc, OSError):
        return f"unreachable ({exc.strerror or exc})"
    return str(exc) or type(exc).__name__


def _newest_events(client: EngineClient, query: EventQuery, wanted: int) -> list[Event]:
    """A site's newest `wanted` events matching `query` (pages of the largest size allowed)."""
    found: list[Event] = []
    while len(found) < wanted and len(found) <= MAX_OFFSET:
        size = min(_PAGE, wanted - len(found))
        page = client.list_events(query.model_copy(update={"limit": size, "offset": len(found)}))
        found += page
        if len(page) < size:
            break
    return found


def _camera(site: str, camera: Camera) -> Camera:
    return camera.model_copy(update={"id": qualify(site, camera.id), "site": site})


def _event(site: str, event: Event) -> Event:
    update: dict[str, object] = {
        "id": qualify(site, event.id),
        "camera_id": qualify(site, event.camera_id),
        "site": site,
    }
    if event.snapshot:
        update["snapshot"] = qualify(site, event.snapshot)
    return event.model_copy(update=update)


def _device(site: str, value: Model) -> Model:
    return value.model_copy(update={"device_id": qualify(site, value.device_id)})  # type: ignore[attr-defined]
