"""GET /ws/events on a real uvicorn server while the engine analyses a bundled clip: what a
remote viewer receives (detections, events, camera states) is what the engine saw in-process,
only for cameras it may see, and a viewer that never reads holds nobody up."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from engine.assembly import open_engine
from engine.client.remote import RemoteEventStream, login
from engine.core import EVENTS, FRAMES, STATUS
from engine.domain import Camera, CameraState, CameraStatus, DetectionSettings, Event, FrameResult
from engine.domain.live import LiveDetections, LiveEvent, LiveMessage, LivePong, LiveStatus
from engine.server import create_app
from engine.services import AccessDenied, InvalidCredentials, build_services
from engine.storage.repos.users import UserRepository
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash
from tests.helpers import STREET_SHORT

RECORD_KEYS = {"class", "class_id", "score", "box", "track_id"}


class Viewer:
    """Collects a stream's messages; `sync` waits for the pong behind everything queued."""

    def __init__(self, stream: RemoteEventStream) -> None:
        self.messages: list[LiveMessage] = []
        self._pong = threading.Event()
        self.subscription = stream.subscribe(self._on_message)

    def _on_message(self, message: LiveMessage) -> None:
        if isinstance(message, LivePong):
            self._pong.set()
        else:
            self.messages.append(message)

    def sync(self) -> None:
        self._pong.clear()
        self.subscription.ping()
        assert self._pong.wait(60), "no pong"


def test_remote_viewers_get_the_live_stream_of_their_cameras(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    parts = open_engine(settings, realtime=False)
    users = UserRepository(parts.database)
    users.add("boss", password_hash(), "admin", [])
    users.add("other", password_hash(), "operator", ["another-camera"])
    users.add("fitter", password_hash(), "installer", ["*"])
    services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
    app = create_app(services, settings, core=parts.core)
    local_events: list[Event] = []
    local_states: list[CameraStatus] = []
    analysed: list[FrameResult] = []
    finished = threading.Event()
    detection = DetectionSettings(input_size=320, stride=2)
    camera = Camera(name="street", source=str(STREET_SHORT), detection=detection)
    cid = str(camera.id)
    parts.core.subscribe(EVENTS, local_events.append)
    parts.core.subscribe(FRAMES, lambda r: r.analysed and analysed.append(r))
    parts.core.subscribe(STATUS, local_states.append)
    parts.core.subscribe(
        STATUS,
        lambda s: s.camera_id == cid and s.state is CameraState.STOPPED and finished.set(),
    )
    try:
        with running(app) as port:
            base = f"http://127.0.0.1:{port}"
            url = f"ws://127.0.0.1:{port}/ws/events"
            with pytest.raises(InvalidStatus) as refused:
                connect(url, open_timeout=10)
            assert refused.value.response.status_code == 401
            assert b"not authenticated" in refused.value.response.body
            with pytest.raises(InvalidCredentials):
                RemoteEventStream(base, "not-a-jwt").subscribe(print)
            with pytest.raises(AccessDenied):  # installers see no camera data
                RemoteEventStream(base, login(base, "fitter", PASSWORD)).subscribe(print)

            boss_token = login(base, "boss", PASSWORD)
            boss = Viewer(RemoteEventStream(base, boss_token))
            other = Viewer(RemoteEventStream(base, login(base, "other", PASSWORD)))
            # Never reads: its socket and then its queue fill up; nobody else waits for it.
            with connect(url, additional_headers={"Authorization": f"Bearer {boss_token}"}):
                parts.core.add_camera(camera)
                assert finished.wait(180), "the clip never finished"
                boss.sync()
                other.sync()
            boss.subscription.cancel()
            other.subscription.cancel()
    finally:
        parts.close()

    assert other.messages == []  # not its camera
    frames = [m for m in boss.messages if isinstance(m, LiveDetections)]
    events = [m.event for m in boss.messages if isinstance(m, LiveEvent)]
    states = [m for m in boss.messages if isinstance(m, LiveStatus)]
    assert len(frames) + len(events) + len(states) == len(boss.messages)  # nothing dropped
    assert [(m.camera_id, m.status) for m in states] == [(s.camera_id, s) for s in local_states]
    assert {CameraState.LIVE, CameraState.STOPPED} <= {m.status.state for m in states}
    assert events == local_events and {e.kind.value for e in events} == {"entered", "left"}
    assert [(f.camera_id, f.pts) for f in frames] == [
        (cid, round(r.frame.pts, 6)) for r in analysed
    ]
    busy = max(frames, key=lambda f: len(f.detections))
    raw = busy.model_dump(mode="json")
    assert set(raw) == {"type", "camera_id", "timestamp", "pts", "frame", "detections"}
    assert datetime.fromisoformat(raw["timestamp"]).utcoffset() == timedelta(0)
    for record in raw["detections"]:
        assert set(record) == RECORD_KEYS
        x1, y1, x2, y2 = record["box"]
        assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 352  # source pixels of the 640x352 clip
    assert any(r["class"] == "car" and r["track_id"] is not None for r in raw["detections"])
