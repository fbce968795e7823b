"""The engine on a real RTSP camera (GStreamer's server streaming the street clip): it detects
cars with the real YOLOX model; when the camera goes away the tile says 'reconnecting'; when it
comes back at the same address frames flow again with pts still growing; and a camera that never
answers holds nobody up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from engine.assembly import open_engine
from engine.core import STATUS
from engine.domain import Camera, CameraState, CameraStatus, DetectionSettings, FrameResult
from tests.engine.services.helpers import make_settings
from tests.rtsp import RtspCamera

CLIP_FPS = 24.04  # the street clip's frame rate: RTP timestamps step by its frame period


class Watcher:
    """Collects one camera's frame results and states; waits on conditions over them."""

    def __init__(self) -> None:
        self.results: list[FrameResult] = []
        self.states: list[CameraState] = []
        self._changed = threading.Condition()

    def on_result(self, result: FrameResult) -> None:
        with self._changed:
            self.results.append(result)
            self._changed.notify_all()

    def on_status(self, status: CameraStatus) -> None:
        with self._changed:
            self.states.append(status.state)
            self._changed.notify_all()

    def wait(self, what: str, done: Callable[[], bool], timeout_s: float = 60.0) -> None:
        with self._changed:
            assert self._changed.wait_for(done, timeout_s), f"timed out waiting for {what}"


@contextmanager
def silent_camera() -> Iterator[str]:
    """An rtsp:// address that accepts connections and never answers: the worst camera."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"rtsp://127.0.0.1:{listener.getsockname()[1]}/stream"


def cars(result: FrameResult) -> int:
    names = [result.class_names.get(int(c)) for c in result.detections.class_id]
    return names.count("car")


def test_engine_detects_on_rtsp_and_reconnects_when_the_camera_returns(
    rtsp_camera: RtspCamera, tmp_path: Path
) -> None:
    parts = open_engine(make_settings(tmp_path))
    detection = DetectionSettings(input_size=320, stride=3)
    camera = Camera(name="street-rtsp", source=rtsp_camera.url, detection=detection)
    watcher, stalled = Watcher(), Watcher()
    try:
        with silent_camera() as silent_url:
            dead = Camera(name="silent", source=silent_url)
            parts.core.subscribe(parts.core.frames_topic(str(dead.id)), stalled.on_result)
            parts.core.subscribe(
                STATUS, lambda s: s.camera_id == str(dead.id) and stalled.on_status(s)
            )
            parts.core.add_camera(dead)  # first, so its hanging open comes before the good one
            parts.core.subscribe(parts.core.frames_topic(str(camera.id)), watcher.on_result)
            parts.core.subscribe(
                STATUS, lambda s: s.camera_id == str(camera.id) and watcher.on_status(s)
            )
            parts.core.add_camera(camera)

            watcher.wait(
                "cars on the RTSP stream",
                lambda: sum(r.analysed and cars(r) > 0 for r in watcher.results) >= 5,
            )
            before = len(watcher.results)
            rtsp_camera.stop()
            watcher.wait("'reconnecting'", lambda: CameraState.RECONNECTING in watcher.states, 30)
            assert parts.core.status(str(camera.id)).state is CameraState.RECONNECTING
            stopped_at = len(watcher.results)
            time.sleep(2)  # the camera stays away a while; the engine keeps retrying
            rtsp_camera.start()  # same port, as a rebooted camera would
            watcher.wait(
                "frames after the camera came back",
                lambda: sum(r.analysed and cars(r) > 0 for r in watcher.results[stopped_at:]) >= 3,
            )
            assert parts.core.status(str(camera.id)).state is CameraState.LIVE
            assert stalled.results == []  # the silent camera never produced a frame...
            assert parts.core.status(str(dead.id)).state in (
                CameraState.CONNECTING,
                CameraState.RECONNECTING,
            )  # ...and is still being tried
    finally:
        parts.close()

    frames = [r.frame for r in watcher.results]
    pts = np.array([f.pts for f in frames])
    assert (np.diff(pts) > 0).all(), "pts went backwards"
    assert [f.index for f in frames] == list(range(frames[0].index, frames[0].index + len(frames)))
    # Source pts: the RTP clock steps by the clip's frame period, not by when frames arrived.
    steps = np.diff(pts[:before])
    assert abs(np.median(steps) - 1 / CLIP_FPS) < 0.002
    # The first frame after the reconnect is flagged (the tracker resets) and comes after the
    # last one before it.
    back = [f for f in frames[stopped_at:] if f.discontinuity]
    assert back and back[0].pts > frames[stopped_at - 1].pts
    assert watcher.states.count(CameraState.LIVE) >= 2
