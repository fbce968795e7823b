"""A remote viewer's live streams survive a server restart: the engine's server goes away
mid-stream and comes back on the same address, and the same subscriptions deliver frames
(WebRTC) and track events (/ws/events) again without the viewer doing anything, so the
console's tiles and event list resume by themselves."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from engine.assembly import open_engine
from engine.client.remote_client import open_remote_client
from engine.domain import Camera, DetectionSettings
from engine.server import create_app
from engine.services import build_services
from engine.storage.repos.users import UserRepository
from tests.console import moving_square as sq
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash


class Arrivals:
    def __init__(self) -> None:
        self.arrived: list[float] = []  # monotonic arrival times
        self.lock = threading.Lock()

    def __call__(self, _value: object) -> None:
        with self.lock:
            self.arrived.append(time.monotonic())

    def since(self, moment: float) -> int:
        with self.lock:
            return sum(t > moment for t in self.arrived)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_stream_resumes_on_its_own_after_the_server_restarts(tmp_path: Path) -> None:
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(60))
    settings = make_settings(
        tmp_path, detector={"type": "colour-blob"}, events={"classes": ["blob"], "min_hits": 2}
    )
    parts = open_engine(settings, realtime=True)
    camera = Camera(name="square", source=str(clip), loop=True, detection=DetectionSettings())
    cid = str(camera.id)
    UserRepository(parts.database).add("viewer", password_hash(), "operator", [cid])
    parts.core.add_camera(camera)

    def serve(port: int = 0):
        services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
        return running(create_app(services, settings, core=parts.core), port=port)

    frames, events = Arrivals(), Arrivals()
    client = None
    try:
        with serve() as port:
            client = open_remote_client(f"http://127.0.0.1:{port}", "viewer", PASSWORD)
            client.subscribe_frames(cid, frames)
            client.subscribe_events(events)
            assert wait_for(lambda: frames.since(0) >= 20 and events.since(0) >= 1, 30), (
                f"before the restart: {frames.since(0)} frames, {events.since(0)} events"
            )
        # Down: nothing arrives once what was in flight has landed.
        time.sleep(1.5)
        quiet = time.monotonic()
        time.sleep(1.5)
        assert frames.since(quiet) == 0, "frames while the server was down"

        with serve(port):
            back = time.monotonic()
            assert wait_for(lambda: frames.since(back) >= 20 and events.since(back) >= 1, 40), (
                f"in 40 s after the server came back: {frames.since(back)} frames, "
                f"{events.since(back)} events"
            )
    finally:
        if client is not None:
            client.close()
        parts.close()
