"""A camera that cannot be reached says so in its tile, with a retry countdown, while the
other tiles keep playing."""

from __future__ import annotations

import socket

import pytest

from engine.domain import Camera


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("workers", ["process", "thread"])
def test_unreachable_camera_tile_shows_state_and_countdown(make_console, qtbot, workers):
    window = make_console(SENTINEL_CAMERA_WORKERS=workers)
    window.set_layout(3)  # free tiles: the new camera takes one
    camera = window.add_camera(Camera(name="gate", source=f"rtsp://127.0.0.1:{_closed_port()}/x"))
    tile = window.wall.tiles_of(str(camera.id))[0]
    others = [t for t in window.wall.tiles if t.camera_id and t is not tile]
    assert len(others) == 4
    qtbot.waitUntil(lambda: "retry in" in tile.state_text, timeout=20_000)
    assert tile.state_text.startswith("reconnecting")
    shown = [t.frames_shown for t in others]
    qtbot.waitUntil(
        lambda: all(t.frames_shown > n + 10 for t, n in zip(others, shown, strict=True)),
        timeout=20_000,
    )
    assert "retry in" in tile.state_text or tile.state_text.startswith(("connecting", "reconn"))
    assert tile.shown_result is None
