"""MultiSiteClient over two real in-process engines (separate databases, sites north and south):
ids come back site-qualified, calls reach the site their prefix names, live events fan in and
stored events merge newest first across sites."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.client import EventQuery
from engine.client.local import LocalEngineClient, open_local_client
from engine.client.remote_client import open_remote_client
from engine.client.sites import MultiSiteClient, check_site_name
from engine.config import Settings
from engine.domain import Camera, CameraState, CameraStatus, Event, EventKind
from engine.server import create_app
from engine.services.errors import InvalidInput, NotFound, Unavailable
from engine.storage.repos.cameras import CameraRepository
from engine.storage.repos.events import EventRepository
from tests.console import moving_square as sq
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, make_world

SITES = ("north", "south")


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[dict[str, LocalEngineClient]]:
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(60))
    clients: dict[str, LocalEngineClient] = {}
    try:
        for site in SITES:
            settings = Settings(
                SENTINEL_DATA_DIR=tmp_path / site,
                SENTINEL_SITE=site,
                detector={"type": "colour-blob"},
                events={"classes": ["blob"], "min_hits": 2},
            )
            clients[site] = open_local_client(settings)
            clients[site].add_camera(Camera(name=f"{site}-gate", source=str(clip), loop=True))
        yield clients
    finally:
        for client in clients.values():
            client.close()


def _stored_event(camera_id: str, minute: int) -> Event:
    return Event(
        camera_id=camera_id,
        kind=EventKind.ENTERED,
        track_id=minute,
        class_name="car",
        class_id=2,
        score=0.9,
        box=(1.0, 2.0, 3.0, 4.0),
        timestamp=datetime(2026, 1, 10, 12, tzinfo=timezone.utc) + timedelta(minutes=minute),
        pts=0.0,
    )


def test_cameras_and_stored_events_are_site_qualified_and_merged_newest_first(engines):
    local_ids = {site: str(engines[site].list_cameras()[0].id) for site in SITES}
    # North's events at even minutes, south's at odd ones: the merged list interleaves them.
    for i, site in enumerate(SITES):
        repo = EventRepository(engines[site]._parts.database)
        repo.add_many([_stored_event(local_ids[site], minute) for minute in range(i, 10, 2)])
    client = MultiSiteClient(engines)

    cameras = client.list_cameras()
    assert {str(c.id) for c in cameras} == {f"{s}/{local_ids[s]}" for s in SITES}
    assert {c.name: c.site for c in cameras} == {"north-gate": "north", "south-gate": "south"}

    # Only the stored events: the cameras make live ones meanwhile.
    stored = {"end": datetime(2026, 1, 11, tzinfo=timezone.utc)}
    events = client.list_events(EventQuery(limit=6, **stored))
    assert [e.track_id for e in events] == [9, 8, 7, 6, 5, 4]
    assert [e.site for e in events] == ["south", "north"] * 3
    assert all(e.camera_id == f"{e.site}/{local_ids[e.site]}" for e in events)
    assert all(str(e.id).startswith(f"{e.site}/") for e in events)
    page = client.list_events(EventQuery(limit=3, offset=6, **stored))
    assert [e.track_id for e in page] == [3, 2, 1]

    north_cam = f"north/{local_ids['north']}"
    only_north = client.list_events(EventQuery(camera_id=north_cam, **stored))
    assert [e.track_id for e in only_north] == [8, 6, 4, 2, 0]

    one = events[0]
    assert client.get_event(str(one.id)) == one
    assert client.get_event(f"north/{str(one.id).split('/')[1]}") is None  # south's id at north
    assert client.get_event(str(one.id).split("/")[1]) is None  # unqualified
    assert client.get_event("west/" + str(one.id).split("/")[1]) is None  # no such site


def test_calls_route_by_site_and_live_events_fan_in(engines):
    client = MultiSiteClient(engines)
    cameras = {c.site: str(c.id) for c in client.list_cameras()}
    live: list[Event] = []
    frames: dict[str, int] = {site: 0 for site in SITES}
    got_both = threading.Event()

    def on_event(event: Event) -> None:
        live.append(event)
        if {e.site for e in live} == set(SITES):
            got_both.set()

    events_sub = client.subscribe_events(on_event)
    statuses = []
    status_sub = client.subscribe_status(statuses.append)
    frame_subs = [
        client.subscribe_frames(cid, lambda r, s=site: frames.__setitem__(s, frames[s] + 1))
        for site, cid in cameras.items()
    ]
    assert got_both.wait(60), f"live events from both sites expected, got {live}"
    assert all(e.camera_id == cameras[e.site] for e in live)
    _wait_until(lambda: all(frames.values()))
    assert client.camera_status(cameras["south"]).camera_id == cameras["south"]

    # Snapshots and single events come back from the site that made them.
    with_snapshot = next(e for e in live if e.snapshot)
    assert with_snapshot.snapshot.startswith(f"{with_snapshot.site}/")
    assert client.get_snapshot(with_snapshot.snapshot)[:3] == b"\xff\xd8\xff"
    assert client.get_event(str(live[0].id)).camera_id == live[0].camera_id

    # Removing south's camera touches south only.
    client.remove_camera(cameras["south"])
    assert [c.site for c in client.list_cameras()] == ["north"]
    assert len(engines["north"].list_cameras()) == 1 and engines["south"].list_cameras() == []
    with pytest.raises(NotFound):
        client.remove_camera(cameras["south"].split("/")[1])  # a bare id names no site

    # One cancel stops every site's stream.
    events_sub.cancel()
    status_sub.cancel()
    for sub in frame_subs:
        sub.cancel()
    seen = len(live)
    after_cancel = threading.Event()
    engines["north"].subscribe_events(lambda _event: after_cancel.set())
    clip = engines["north"].list_cameras()[0].source
    client.add_camera(Camera(name="north-extra", source=clip, loop=True, site="north"))
    with pytest.raises(InvalidInput):  # two sites: a camera must say which
        client.add_camera(Camera(name="nowhere", source=clip))
    assert after_cancel.wait(60), "north kept making events"
    assert len(live) == seen
    assert [c.name for c in client.list_cameras()] == ["north-gate", "north-extra"]


def test_devices_are_site_qualified(engines):
    client = MultiSiteClient(engines)
    credentials = client.register_device("south/pole-7", kind="esp32", location="stop 7")
    assert credentials.device_id == "south/pole-7"
    assert [d.device_id for d in client.list_devices()] == ["south/pole-7"]
    assert engines["south"].list_devices()[0].device_id == "pole-7"
    assert engines["north"].list_devices() == []
    assert client.device_readings("south/pole-7") == []
    client.revoke_device("south/pole-7")
    assert client.list_devices()[0].status == "revoked"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("north-depot", True), ("Depot 3", True), ("a/b", False), ("", False), (" x", False)],
)
def test_site_names(name, ok):
    if ok:
        assert check_site_name(name) == name
    else:
        with pytest.raises(ValueError):
            check_site_name(name)


def _wait_until(predicate, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_a_site_that_goes_away_leaves_the_others_working(engines, tmp_path):
    west_dir = tmp_path / "west"
    west_dir.mkdir()
    world = make_world(f"sqlite:///{west_dir / 'west.db'}", west_dir)
    gate = CameraRepository(world.db).add(Camera(name="west-gate", source="rtsp://10.0.0.9/x"))
    app = create_app(world.services, make_settings(west_dir, SENTINEL_SITE="west"))
    try:
        with ExitStack() as west_server:
            port = west_server.enter_context(running(app))
            west = open_remote_client(f"http://127.0.0.1:{port}", "admin", PASSWORD)
            client = MultiSiteClient({**engines, "west": west})
            statuses: list[CameraStatus] = []
            client.subscribe_status(statuses.append)
            stored = EventQuery(end=datetime(2026, 1, 11, tzinfo=timezone.utc))
            assert {e.site for e in client.list_events(stored)} == {"west"}
            assert len(client.list_cameras()) == 3

            west_server.close()  # the west engine stops answering
            cameras = client.list_cameras()
            assert [c.name for c in cameras] == ["north-gate", "south-gate", "west-gate"]
            assert "cannot reach" in client.problems()["west"]
            west_gate = f"west/{gate.id}"
            assert client.camera_status(west_gate).state is CameraState.FAILED
            assert any(s.camera_id == west_gate and s.state is CameraState.FAILED for s in statuses)
            assert client.list_events(stored) == []  # the local sites answer, with nothing stored
            north_gate = next(str(c.id) for c in cameras if c.site == "north")
            assert client.camera_status(north_gate).state is not CameraState.FAILED
            # Subscribing still works (without west); a call routed to west says it is away.
            client.subscribe_events(lambda _event: None).cancel()
            with pytest.raises(Unavailable):
                client.remove_camera(west_gate)
            client.close()
    finally:
        world.close()
