"""One EngineClient contract, two implementations: the in-process client and the remote client
of a real `serve` app (uvicorn on loopback: REST, /ws/events, WebRTC). Both sides run the same
kind of site - a looping street clip analysed at 320 px, a camera nobody serves, a stored plate
event with its snapshot - and answer every call alike, roles included: the same refusals
(engine.services.errors), the same cameras, events and plates by role."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import cv2
import numpy as np
import pytest

from engine.assembly import open_engine
from engine.client import EngineClient, EventQuery
from engine.client.local import open_local_client
from engine.client.remote_client import open_remote_client
from engine.config import Settings
from engine.domain import (
    Camera,
    CameraState,
    DetectionSettings,
    Event,
    EventKind,
    FrameResult,
    utc_now,
)
from engine.domain.plate import PlateEvent
from engine.security.policy import mask
from engine.server import create_app
from engine.services import (
    AccessDenied,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    build_services,
)
from engine.services.errors import Unavailable
from engine.storage import BlobStore, CameraRepository, Database, EventRepository
from engine.storage.repos.plates import PlateRepository
from engine.storage.repos.users import UserRepository
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash
from tests.helpers import STREET_SHORT, read_frame

pytestmark = pytest.mark.timeout(120)

SITE_NAME = "north-depot"
PLATE = "4XXF538"
PLATE_BOX = (200.0, 150.0, 300.0, 190.0)  # where the plate is in the stored snapshot
JPEG = b"\xff\xd8\xff"
WAIT_S = 60  # for the clip's first car, on a busy machine
LIMITED_ROLES = ("operator", "labeler", "installer")  # these users have the street camera only


@dataclass
class Site:
    """A site on one side of the contract. `open(role)` gives a client as a user with that
    role (limited roles: the street camera only)."""

    kind: str
    open: Callable[[str], EngineClient]
    street: str  # a looping clip, analysed
    dark: str  # an rtsp:// camera nobody serves
    plate_event: Event
    dark_event: Event
    raw_snapshot: bytes
    base_url: str | None = None


def seed(settings: Settings) -> tuple[Camera, Camera, Event, Event, bytes]:
    """The saved cameras and stored events both sides start from, as the engine stores them."""
    db = Database.open(settings.resolved_database_url())
    blobs = BlobStore(settings.resolved_blobs_dir())
    try:
        detection = DetectionSettings(input_size=320, stride=2)
        street = Camera(
            name="street", source=str(STREET_SHORT), loop=True, detection=detection, site=SITE_NAME
        )
        dark = Camera(name="dark", source="rtsp://127.0.0.1:9/dark", site=SITE_NAME)
        for camera in (street, dark):
            CameraRepository(db).add(camera)
        ok, encoded = cv2.imencode(".jpg", read_frame(STREET_SHORT, 40))
        assert ok
        raw = encoded.tobytes()
        key = blobs.put(raw, prefix=f"snapshots/{street.id}")
        seen = utc_now() - timedelta(minutes=5)
        plate = PlateEvent(
            camera_id=str(street.id),
            track_id=7,
            site=SITE_NAME,
            text=PLATE,
            raw_text=PLATE,
            confidence=0.9,
            first_seen=seen,
            last_seen=seen,
            box=PLATE_BOX,
        )
        PlateRepository(db).add(plate)
        plate_event = Event(
            id=plate.id,
            camera_id=str(street.id),
            site=SITE_NAME,
            kind=EventKind.PLATE,
            track_id=7,
            class_name="car",
            class_id=2,
            score=0.9,
            box=(150.0, 80.0, 360.0, 260.0),
            timestamp=seen,
            pts=1.6,
            snapshot=key,
        )
        dark_event = plate_event.model_copy(
            update={
                "id": uuid.uuid4(),
                "camera_id": str(dark.id),
                "kind": EventKind.ENTERED,
                "snapshot": None,
            }
        )
        EventRepository(db, snapshot_size=blobs.size).add_many([plate_event, dark_event])
    finally:
        db.close()
    return street, dark, plate_event, dark_event, raw


def _cameras_of(role: str, street: Camera) -> list[str] | None:
    return [str(street.id)] if role in LIMITED_ROLES else None


@contextmanager
def local_site(settings: Settings) -> Iterator[Site]:
    street, dark, plate_event, dark_event, raw = seed(settings)

    def open_client(role: str) -> EngineClient:
        # A fresh in-process engine per client: the console's own user has one role.
        return open_local_client(settings, role=role, cameras=_cameras_of(role, street))

    yield Site("local", open_client, str(street.id), str(dark.id), plate_event, dark_event, raw)


@contextmanager
def remote_site(settings: Settings) -> Iterator[Site]:
    street, dark, plate_event, dark_event, raw = seed(settings)
    parts = open_engine(settings)
    try:
        users = UserRepository(parts.database)
        for role in ("admin", *LIMITED_ROLES):
            users.add(role, password_hash(), role, _cameras_of(role, street) or ["*"])
        services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
        app = create_app(services, settings, core=parts.core)
        parts.core.start_saved_cameras()
        with running(app) as port:
            base = f"http://127.0.0.1:{port}"

            def open_client(role: str) -> EngineClient:
                return open_remote_client(base, role, PASSWORD)

            yield Site(
                "remote",
                open_client,
                str(street.id),
                str(dark.id),
                plate_event,
                dark_event,
                raw,
                base_url=base,
            )
    finally:
        parts.close()


@pytest.fixture(scope="module", params=["local", "remote"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    settings = make_settings(tmp_path_factory.mktemp(request.param), SENTINEL_SITE=SITE_NAME)
    opened = local_site if request.param == "local" else remote_site
    with opened(settings) as made:
        yield made


class Collector:
    """Values a callback received, and a wait for one that matches."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = threading.Condition()

    def __call__(self, item: Any) -> None:
        with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    def first(self, wanted: Callable[[Any], bool], timeout: float = WAIT_S) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((item for item in self.items if wanted(item)), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    assert found is not None, f"none of {len(self.items)} values matched"
                    return found
                self._changed.wait(left)


def eventually(get: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while (value := get()) is None or value is False:
        assert time.monotonic() < deadline, "it never happened"
        time.sleep(0.1)
    return value


# cameras ----------------------------------------------------------------------------------------
def test_cameras_are_listed_added_and_removed_and_their_states_pushed(site: Site) -> None:
    with closing(site.open("admin")) as client:
        cameras = {str(c.id): c for c in client.list_cameras()}
        assert set(cameras) == {site.street, site.dark}
        street = cameras[site.street]
        assert (street.name, street.source, street.loop) == ("street", str(STREET_SHORT), True)
        assert (street.detection.input_size, street.detection.stride, street.site) == (
            320,
            2,
            SITE_NAME,
        )
        states = Collector()
        client.subscribe_status(states)

        extra = Camera(name="gate", source="rtsp://127.0.0.1:9/gate", latitude=52.5)
        added = client.add_camera(extra)
        assert (added.id, added.name, added.latitude, added.site) == (
            extra.id,
            "gate",
            52.5,
            SITE_NAME,
        )
        assert str(extra.id) in {str(c.id) for c in client.list_cameras()}
        pushed = states.first(lambda s: s.camera_id == str(extra.id))
        assert pushed.state in set(CameraState)
        assert client.camera_status(str(extra.id)).camera_id == str(extra.id)

        client.remove_camera(str(extra.id))
        assert {str(c.id) for c in client.list_cameras()} == {site.street, site.dark}
        with pytest.raises(NotFound):
            client.camera_status(str(extra.id))
        with pytest.raises(NotFound):
            client.remove_camera(str(extra.id))
        with pytest.raises(InvalidInput):
            client.add_camera(Camera(name="nowhere", source="/no/such/clip.mp4"))


# live ------------------------------------------------------------------------------------------
def test_a_clip_camera_goes_live_and_its_track_events_arrive_and_are_stored(site: Site) -> None:
    with closing(site.open("admin")) as client:
        events = Collector()
        client.subscribe_events(events)
        assert eventually(lambda: client.camera_status(site.street).state is CameraState.LIVE)
        event = events.first(lambda e: e.camera_id == site.street and e.snapshot is not None)
        assert event.kind in (EventKind.ENTERED, EventKind.LEFT) and event.site == SITE_NAME
        stored = eventually(lambda: client.get_event(str(event.id)))
        assert (stored.id, stored.kind, stored.track_id) == (event.id, event.kind, event.track_id)
        assert client.get_snapshot(event.snapshot)[:3] == JPEG


def test_frames_come_with_their_detections(site: Site) -> None:
    with closing(site.open("admin")) as client:
        frames = Collector()
        subscription = client.subscribe_frames(site.street, frames)
        busy: FrameResult = frames.first(lambda r: r.analysed and len(r.detections) > 0)
        subscription.cancel()
        assert busy.frame.camera_id == site.street
        assert busy.frame.image.shape == (352, 640, 3)  # the clip's own pictures
        x1, y1, x2, y2 = busy.detections.xyxy.T
        assert np.all((x1 < x2) & (x2 <= 640) & (y1 < y2) & (y2 <= 352))
        assert np.all(busy.detections.track_id >= 0)  # tracked boxes
        with pytest.raises(NotFound):
            client.subscribe_frames(str(uuid.uuid4()), frames)


# stored events ----------------------------------------------------------------------------------
def test_stored_events_and_their_snapshots(site: Site) -> None:
    with closing(site.open("admin")) as client:
        listed = client.list_events(EventQuery(camera_id=site.street, kind=EventKind.PLATE))
        assert [e.id for e in listed] == [site.plate_event.id]
        assert listed[0].plate is not None and listed[0].plate.text == PLATE
        assert client.get_event(str(site.plate_event.id)) == listed[0]
        assert client.get_snapshot(listed[0].snapshot) == site.raw_snapshot  # clear: as stored
        everything = client.list_events(EventQuery(limit=1000))
        assert {site.plate_event.id, site.dark_event.id} <= {e.id for e in everything}
        assert client.get_event(str(uuid.uuid4())) is None
        assert client.get_event("not-an-event-id") is None
        with pytest.raises(NotFound):  # a key no event of this client's came with
            client.get_snapshot("snapshots/elsewhere/2026/01/01/0.jpg")


# devices ----------------------------------------------------------------------------------------
def test_devices_are_registered_listed_and_revoked_by_fleet_managers(site: Site) -> None:
    device = f"stop-{uuid.uuid4().hex[:8]}"
    with closing(site.open("installer")) as client:
        credentials = client.register_device(device, location="Main St")
        assert credentials.device_id == device and credentials.key
        with pytest.raises(Conflict):
            client.register_device(device)
        with pytest.raises(InvalidInput):
            client.register_device("no spaces allowed")
        found = {d.device_id: d for d in client.list_devices()}[device]
        assert (found.location, found.online) == ("Main St", False)
        assert client.device_readings(device) == []
        with pytest.raises(Unavailable):  # this engine has no device broker
            client.send_command(device, "BEEP", duration_ms=100)
        client.revoke_device(device)
        assert {d.device_id: d for d in client.list_devices()}[device].status == "revoked"
        with pytest.raises(NotFound):
            client.revoke_device(f"{device}-unknown")
    with closing(site.open("operator")) as client:
        with pytest.raises(AccessDenied):
            client.list_devices()
        with pytest.raises(AccessDenied):
            client.register_device(f"{device}-2")


# roles ------------------------------------------------------------------------------------------
def test_an_installer_sees_no_video_no_cameras_and_no_events(site: Site) -> None:
    with closing(site.open("installer")) as client:
        calls = {
            "list_events": lambda: client.list_events(EventQuery()),
            "get_event": lambda: client.get_event(str(site.plate_event.id)),
            "subscribe_events": lambda: client.subscribe_events(print),
            "subscribe_status": lambda: client.subscribe_status(print),
            "subscribe_frames": lambda: client.subscribe_frames(site.street, print),
            "list_cameras": client.list_cameras,
            "camera_status": lambda: client.camera_status(site.street),
        }
        for name, call in calls.items():
            with pytest.raises(AccessDenied):
                call()
                pytest.fail(f"{name} was allowed")


def test_a_labeler_sees_plates_masked_and_blurred_and_no_video(site: Site) -> None:
    with closing(site.open("labeler")) as client:
        (shown,) = client.list_events(EventQuery(kind=EventKind.PLATE))
        assert shown.plate is not None
        assert (shown.plate.text, shown.plate.raw_text) == (mask(PLATE), mask(PLATE))
        again = client.get_event(str(site.plate_event.id))
        assert again is not None and again.plate is not None and again.plate.text == mask(PLATE)
        blurred = client.get_snapshot(shown.snapshot)
        assert blurred[:3] == JPEG
        x1, y1, x2, y2 = (int(v) for v in PLATE_BOX)
        plate_area = [_decoded(data)[y1:y2, x1:x2] for data in (blurred, site.raw_snapshot)]
        assert np.abs(plate_area[0] - plate_area[1]).mean() > 5  # the plate is blurred away
        with pytest.raises(AccessDenied):  # no video.view
            client.subscribe_frames(site.street, print)


def test_an_operator_sees_only_their_cameras_with_plates_in_clear(site: Site) -> None:
    with closing(site.open("operator")) as client:
        (camera,) = client.list_cameras()
        assert str(camera.id) == site.street and camera.source == ""  # sources: managers only
        events = client.list_events(EventQuery(limit=1000))
        assert {e.camera_id for e in events} == {site.street}
        plate = next(e for e in events if e.id == site.plate_event.id).plate
        assert plate is not None and plate.text == PLATE
        refused = {
            "get_event": lambda: client.get_event(str(site.dark_event.id)),
            "list_events": lambda: client.list_events(EventQuery(camera_id=site.dark)),
            "camera_status": lambda: client.camera_status(site.dark),
            "subscribe_frames": lambda: client.subscribe_frames(site.dark, print),
            "add_camera": lambda: client.add_camera(Camera(name="x", source="rtsp://h/x")),
            "remove_camera": lambda: client.remove_camera(site.street),
        }
        for name, call in refused.items():
            with pytest.raises(AccessDenied):
                call()
                pytest.fail(f"{name} was allowed")


@pytest.mark.parametrize("site", ["remote"], indirect=True)
def test_a_wrong_password_is_refused_and_an_absent_engine_is_unavailable(site: Site) -> None:
    assert site.base_url is not None
    for name, password in [("admin", "wrong password"), ("nobody", PASSWORD)]:
        with pytest.raises(InvalidCredentials):
            open_remote_client(site.base_url, name, password)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        absent = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(Unavailable, match="cannot reach the engine at http://127.0.0.1"):
        open_remote_client(absent, "admin", PASSWORD)
    with closing(open_remote_client(site.base_url + "/", "admin", PASSWORD)) as client:
        assert (client.site, client.base_url) == (SITE_NAME, site.base_url)


def _decoded(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image.astype(np.float32)
