"""A camera in its own process relays its packets too: each frame's packet reaches the engine
before the frame's result, with the same pts (what the WebRTC relay pairs them by)."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.camera_process import ProcessCameraRunner
from engine.config import Settings
from engine.domain import Camera, DetectionSettings
from engine.domain.packet import VideoPacket
from tests.helpers import STREET_SHORT


def test_process_camera_relays_each_frames_packet_before_its_result(tmp_path: Path) -> None:
    camera = Camera(
        name="street",
        source=str(STREET_SHORT),
        detection=DetectionSettings(input_size=320, stride=25),
    )
    settings = Settings(SENTINEL_DATA_DIR=tmp_path / "data")
    order: list[object] = []
    lock = threading.Lock()

    def keep(item: object) -> None:
        with lock:
            order.append(item)

    runner = ProcessCameraRunner(
        camera,
        settings,
        realtime=False,
        ring_slots=64,
        on_result=keep,
        on_events=lambda events: None,
        on_status=lambda status: None,
        on_packet=keep,
    )
    runner.start()
    assert runner.join(120), "a file camera ends at the end of its file"
    runner.stop()
    relayed: set[float] = set()
    results = 0
    for item in order:
        if isinstance(item, VideoPacket):
            assert item.camera_id == str(camera.id) and item.data[:3] in (
                b"\x00\x00\x00",
                b"\x00\x00\x01",
            )
            relayed.add(item.pts)
        else:
            assert item.frame.pts in relayed, item.frame.pts  # type: ignore[attr-defined]
            results += 1
    assert results > 200 and len(relayed) >= results
