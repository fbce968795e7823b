"""Edge mode: an engine whose events go to a central engine's /ingest. With the central engine
down they wait in the edge's spool; once it is up (same address) every event arrives exactly
once, with its snapshot uploaded; a replay after a lost answer stores nothing twice."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import text

from engine.assembly import open_engine
from engine.config import Settings
from engine.core import STATUS
from engine.domain import Camera, CameraState, DetectionSettings, Event, EventKind
from engine.edge.central_writer import CentralWriter
from engine.server import create_app
from engine.services.schemas_fleet import DeviceRegister
from engine.storage import BlobStore, EventRepository
from engine.storage.spool import SpoolingEventSink
from tests.engine.services.helpers import make_settings, make_world
from tests.helpers import STREET_SHORT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app, port: int) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "central did not start"
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def test_events_wait_for_the_central_engine_and_arrive_exactly_once(tmp_path: Path) -> None:
    central = make_world(f"sqlite:///{tmp_path / 'central.db'}", tmp_path / "central")
    registered = central.services.fleet.register(
        central.principal("installer"), DeviceRegister(device_id="jetson-01")
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    edge = open_engine(
        Settings(SENTINEL_DATA_DIR=tmp_path / "edge"),
        realtime=False,
        forward_to=lambda blobs: CentralWriter(url, registered.key, blobs, timeout_s=2),
    )
    camera = Camera(name="gate", source=str(STREET_SHORT), detection=DetectionSettings(stride=2))
    ended = threading.Event()

    def on_status(status) -> None:
        if status.camera_id == str(camera.id) and status.state is CameraState.STOPPED:
            ended.set()

    edge.core.subscribe(STATUS, on_status)
    try:
        edge.core.add_camera(camera)
        assert ended.wait(120), "the clip never finished"
        assert edge.sink.spooled > 0 and edge.sink.stored == 0, "central is down: all spooled"
        with serving(create_app(central.services, make_settings(tmp_path / "central")), port):
            assert edge.sink.flush(timeout=60), "the spool did not drain"
            with central.db.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, snapshot FROM events WHERE camera_id = :c"),
                    {"c": str(camera.id)},
                ).all()
            assert len(rows) == edge.sink.spooled == edge.sink.replayed
            assert len({r.id for r in rows}) == len(rows)
            snapshots = [r.snapshot for r in rows if r.snapshot]
            assert snapshots
            central_blobs = BlobStore(make_settings(tmp_path / "central").resolved_blobs_dir())
            assert all(central_blobs.read(k)[:2] == b"\xff\xd8" for k in snapshots)
            # A replay after a lost answer: the same events again store nothing.
            stored = EventRepository(central.db).list(camera_id=str(camera.id), limit=1000)
            again = CentralWriter(url, registered.key, edge.core.blobs)
            assert again.add_many(stored) == 0
            again.close()
            with central.db.engine.connect() as connection:
                count = connection.execute(
                    text("SELECT count(*) FROM events WHERE camera_id = :c"), {"c": str(camera.id)}
                ).scalar_one()
            assert count == len(rows)
    finally:
        edge.close()
        central.close()


def test_an_event_the_central_engine_refuses_is_dead_lettered_not_retried_forever(
    tmp_path: Path,
) -> None:
    """A 422 for one event (here a camera id longer than the central intake takes) must not
    hold up the events behind it: those are stored, it lands in the spool's rejected.jsonl."""
    central = make_world(f"sqlite:///{tmp_path / 'central.db'}", tmp_path / "central")
    registered = central.services.fleet.register(
        central.principal("installer"), DeviceRegister(device_id="jetson-02")
    )
    port = _free_port()
    blobs = BlobStore(tmp_path / "edge-blobs")
    writer = CentralWriter(f"http://127.0.0.1:{port}", registered.key, blobs, timeout_s=2)
    sink = SpoolingEventSink(writer, tmp_path / "spool", retry_interval_s=0.2)

    def event(camera_id: str, track_id: int) -> Event:
        return Event(
            camera_id=camera_id, kind=EventKind.ENTERED, track_id=track_id, class_name="car",
            class_id=2, score=0.9, box=(1, 2, 30, 40), pts=float(track_id),
        )  # fmt: skip

    good = [event("gate", 1), event("gate", 3)]
    bad = event("g" * 200, 2)
    try:
        sink.submit([good[0], bad, good[1]])  # central down: all three spooled, in order
        assert sink.spooled == 3
        with serving(create_app(central.services, make_settings(tmp_path / "central")), port):
            assert sink.flush(timeout=30), "one refused event blocked the spool"
        stored = EventRepository(central.db).list(camera_id="gate", limit=10)
        assert sorted(e.id for e in stored) == sorted(e.id for e in good)
        assert sink.rejected == 1
        dead = (tmp_path / "spool" / "rejected.jsonl").read_text().splitlines()
        assert [Event.model_validate_json(line).id for line in dead] == [bad.id]
    finally:
        sink.close()
        writer.close()
        central.close()
