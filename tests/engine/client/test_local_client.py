"""The in-process EngineClient on SQLite and on PostgreSQL: cameras persist, live events and
stored events agree, snapshots come back as JPEG."""

from __future__ import annotations

import threading

import pytest

from engine.client import EventQuery
from engine.client.local import open_local_client
from engine.config import Settings
from engine.domain import Camera, CameraState, DetectionSettings, EventKind
from tests.helpers import STREET_SHORT


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(SENTINEL_DATA_DIR=tmp_path / "data", DATABASE_URL=database_url)


def test_a_file_camera_runs_to_its_end_and_its_events_are_stored(settings):
    client = open_local_client(settings, realtime=False)
    live, finished = [], threading.Event()
    client.subscribe_events(live.append)
    camera = Camera(
        name="street",
        source=str(STREET_SHORT),
        detection=DetectionSettings(input_size=320, stride=2),
    )
    client.subscribe_status(
        lambda s: (
            s.state is CameraState.STOPPED and s.camera_id == str(camera.id) and finished.set()
        )
    )
    frames = []
    client.add_camera(camera)
    client.subscribe_frames(str(camera.id), frames.append)
    assert finished.wait(180), "the clip never finished"
    client.close()

    client = open_local_client(settings, realtime=False)
    try:
        assert [c.name for c in client.list_cameras()] == ["street"]
        stored = client.list_events(EventQuery(camera_id=str(camera.id), limit=1000))
        assert live and {e.id for e in stored} == {e.id for e in live}
        entered = [e for e in stored if e.kind is EventKind.ENTERED]
        left = [e for e in stored if e.kind is EventKind.LEFT]
        assert len(entered) == len(left) >= 3  # every car that entered left by the end of the file
        first = stored[-1]
        assert client.get_event(str(first.id)) == first
        assert client.get_snapshot(first.snapshot)[:3] == b"\xff\xd8\xff"  # JPEG
        assert client.get_event("not-a-uuid") is None
        client.remove_camera(str(camera.id))
        assert client.list_cameras() == []
    finally:
        client.close()
    assert any(r.analysed for r in frames) and any(not r.analysed for r in frames)
