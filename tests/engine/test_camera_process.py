"""A camera in its own process gives the engine the same frames, boxes, tracks and events as a
camera thread, and its death or a bad model shows as a failed camera, not a hang."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np

from engine.camera_process import ProcessCameraRunner
from engine.camera_runner import CameraRunner
from engine.config import Settings
from engine.core import detector_for
from engine.domain import Camera, CameraState, DetectionSettings, FrameResult
from engine.pipeline_factory import build_pipeline
from engine.storage.blobs import BlobStore
from tests.helpers import STREET, STREET_SHORT, read_frame


class Collector:
    def __init__(self) -> None:
        self.results: list[FrameResult] = []
        self.events: list = []
        self.states: list[CameraState] = []
        self.messages: list[str] = []
        self.lock = threading.Lock()

    def result(self, result: FrameResult) -> None:
        with self.lock:
            self.results.append(result)

    def add_events(self, events) -> None:
        with self.lock:
            self.events.extend(events)

    def status(self, status) -> None:
        with self.lock:
            self.states.append(status.state)
            self.messages.append(status.message or "")

    def callbacks(self) -> dict:
        return {"on_result": self.result, "on_events": self.add_events, "on_status": self.status}


def _camera(source: Path, **detection) -> Camera:
    return Camera(
        name="street",
        source=str(source),
        loop=False,
        detection=DetectionSettings(input_size=320, stride=2, **detection),
    )


def _settings(tmp_path: Path) -> Settings:
    settings = Settings(SENTINEL_DATA_DIR=tmp_path / "data")
    return settings.model_copy(
        update={"detector": settings.detector.model_copy(update={"threads": 1})}
    )


def _run_in_thread(camera: Camera, settings: Settings) -> Collector:
    seen = Collector()
    pipeline = build_pipeline(
        camera, detector_for(settings)(camera), settings, BlobStore(settings.resolved_blobs_dir())
    )
    runner = CameraRunner(camera, pipeline, realtime=False, **seen.callbacks())
    runner.start()
    assert runner.join(120)
    return seen


def test_process_camera_matches_thread_camera_frame_for_frame(tmp_path):
    camera = _camera(STREET_SHORT)
    settings = _settings(tmp_path)
    seen = Collector()
    runner = ProcessCameraRunner(
        camera, settings, realtime=False, ring_slots=64, **seen.callbacks()
    )
    runner.start()
    assert runner.join(120), "a file camera ends at the end of its file"
    runner.stop()
    reference = _run_in_thread(camera, settings)

    by_pts = {r.frame.pts: r for r in seen.results}
    pts = [r.frame.pts for r in seen.results]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    assert len(seen.results) >= 0.95 * len(reference.results), "frames lost on the way"
    analysed = [r for r in reference.results if r.analysed and r.frame.pts in by_pts]
    assert len(analysed) > 20
    for expected in analysed:
        got = by_pts[expected.frame.pts]
        assert got.analysed
        np.testing.assert_allclose(got.detections.xyxy, expected.detections.xyxy, atol=0.05)
        assert list(got.detections.track_id) == list(expected.detections.track_id)
        assert got.class_names == expected.class_names
    for result in seen.results[::40]:  # pictures are the decoded frames, pixel for pixel
        assert np.array_equal(result.frame.image, read_frame(STREET_SHORT, result.frame.index))

    kinds = sorted(e.kind for e in seen.events)
    assert kinds == sorted(e.kind for e in reference.events) and "entered" in kinds
    blobs = BlobStore(settings.resolved_blobs_dir())
    snapshots = [e.snapshot for e in seen.events if e.snapshot]
    assert snapshots and all(blobs.read(key)[:2] == b"\xff\xd8" for key in snapshots)
    assert CameraState.LIVE in seen.states
    assert runner.pipeline.times.frames == len(reference.results)


def test_killed_camera_process_shows_failed(tmp_path):
    seen = Collector()
    camera = _camera(STREET).model_copy(update={"loop": True})
    runner = ProcessCameraRunner(camera, _settings(tmp_path), **seen.callbacks())
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while not seen.results and time.monotonic() < deadline:
            time.sleep(0.1)
        assert seen.results, "no frame from the camera process"
        os.kill(runner.pid, signal.SIGKILL)
        assert runner.join(30)
        assert seen.states[-1] == CameraState.FAILED
        assert "camera process ended" in seen.messages[-1]
    finally:
        runner.stop()


def test_bad_model_fails_the_camera_with_its_reason(tmp_path):
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not an onnx model")
    settings = Settings(SENTINEL_DATA_DIR=tmp_path / "data", detector={"model": model})
    seen = Collector()
    runner = ProcessCameraRunner(_camera(STREET_SHORT), settings, **seen.callbacks())
    runner.start()
    assert runner.join(60)
    runner.stop()
    assert seen.states == [CameraState.FAILED]
    assert "broken.onnx" in seen.messages[-1]
