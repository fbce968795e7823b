"""An engine whose blobs are in S3 keeps its cameras and its events' snapshots while S3 is away:
the snapshots wait on local disk, readable, and are in the bucket once it is back."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.client import EventQuery
from engine.client.local import open_local_client
from engine.config import Settings
from engine.domain import Camera, CameraState, DetectionSettings
from engine.storage.write_behind import WriteBehindBlobStore
from tests.console import moving_square as sq
from tests.engine.storage.helpers import wait_for
from tests.engine.storage.tcp_proxy import TcpProxy
from tests.s3 import MotoS3


def test_a_camera_runs_through_an_s3_outage_and_its_snapshots_go_up_after(
    tmp_path: Path, sqlite_url: str
) -> None:
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(60))
    s3 = MotoS3().start()
    host, port = s3.endpoint.removeprefix("http://").split(":")
    proxy = TcpProxy(target=(host, int(port)))
    bucket = s3.new_bucket()
    values = s3.settings(bucket, "site-a", endpoint=f"http://127.0.0.1:{proxy.port}")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SENTINEL_DATA_DIR=tmp_path / "data",
        DATABASE_URL=sqlite_url,
        detector={"type": "colour-blob"},
        events={"classes": ["blob"]},
        **values,
    )
    proxy.cut()  # S3 is away from the start
    client = open_local_client(settings, realtime=False)
    states: list[CameraState] = []
    finished = threading.Event()

    def on_status(status) -> None:
        states.append(status.state)
        if status.state in (CameraState.STOPPED, CameraState.FAILED):
            finished.set()

    client.subscribe_status(on_status)
    try:
        blobs = client._core.blobs  # noqa: SLF001 - the store the engine writes through
        assert isinstance(blobs, WriteBehindBlobStore)
        blobs.retry_s = 0.2
        client.add_camera(Camera(name="square", source=str(clip), detection=DetectionSettings()))
        assert finished.wait(120)
        assert CameraState.FAILED not in states, states

        wait_for(lambda: len(client.list_events(EventQuery(limit=100))) >= 2, timeout=30)
        events = client.list_events(EventQuery(limit=100))
        keys = {e.snapshot for e in events}
        assert None not in keys, "every event kept its snapshot"
        assert all(blobs.read(k)[:2] == b"\xff\xd8" for k in keys if k)
        assert s3.objects(bucket) == {} and blobs.pending() == len(keys)

        proxy.restore()
        wait_for(lambda: blobs.pending() == 0, timeout=30)
        assert set(s3.objects(bucket)) == {f"site-a/{k}" for k in keys}
    finally:
        client.close()
        proxy.close()
        s3.stop()
