"""The demo console as an operator sees it: a bundled clip playing with boxes, events filling."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(
        image.height(), image.width(), 3
    )


def test_demo_tile_plays_with_boxes_and_events_arrive(make_console, qtbot):
    window = make_console()
    tile = next(iter(window.tiles.values()))
    qtbot.waitUntil(lambda: tile.frames_shown > 10, timeout=20_000)
    first = _pixels(tile.grab().toImage())
    qtbot.waitUntil(lambda: window.event_list.count() > 0, timeout=20_000)
    second = _pixels(tile.grab().toImage())
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 1  # the video moves
    # overlay outlines: pure palette green/blue/yellow... pixels that camera footage never has
    palette = np.array(
        [
            [0, 230, 118],
            [41, 182, 246],
            [255, 202, 40],
            [239, 83, 80],
            [171, 71, 188],
            [38, 166, 154],
            [255, 112, 67],
            [212, 225, 87],
        ]
    )
    hits = sum(int(np.all(second == colour, axis=2).sum()) for colour in palette)
    assert hits > 200
    assert "entered" in window.event_list.item(window.event_list.count() - 1).text()


def test_screenshot_command_writes_the_window(tmp_path):
    shot = tmp_path / "console.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.app",
            "--demo",
            "--screenshot",
            str(shot),
            "--after",
            "4",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1600, 900)


def test_start_up_error_is_one_line(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data folder should be")
    done = subprocess.run(
        [sys.executable, "-m", "console.app", "--demo", "--data-dir", str(blocked)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "error" in done.stderr
