"""The demo console as an operator sees it: four clips playing with boxes, layouts, maximise,
a camera dropped on a tile, events filling and a snapshot on click."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent, QImage

from console.cameras.add_camera_dialog import AddCameraDialog
from console.video_wall.camera_tile import CAMERA_MIME
from engine.domain import Camera
from tests.console.pixels import palette_pixels, pixels
from tests.helpers import STREET_SHORT


def _grab_tiles(window) -> list[np.ndarray]:
    return [pixels(tile.grab().toImage()) for tile in window.wall.tiles]


# The console runs each camera in its own process; the thread mode is the engine's default.
@pytest.mark.parametrize("workers", ["process", "thread"])
def test_demo_wall_plays_four_cameras_with_boxes(make_console, qtbot, workers):
    window = make_console(SENTINEL_CAMERA_WORKERS=workers)
    tiles = window.wall.tiles
    assert len(tiles) == 4 and all(t.camera_id for t in tiles)
    qtbot.waitUntil(lambda: all(t.frames_shown > 25 for t in tiles), timeout=20_000)
    # The spec: two grabs a second apart show a moving picture with box outlines. A clip can be
    # between cars for a moment (or a loaded machine a frame late), so up to eight such pairs are
    # taken and a tile counts once any pair shows it playing with boxes.
    lively: set[int] = set()
    for _ in range(8):
        first = _grab_tiles(window)
        qtbot.wait(1000)
        second = _grab_tiles(window)
        lively |= {
            i
            for i in range(4)
            if palette_pixels(first[i]) + palette_pixels(second[i]) > 80
            and np.abs(first[i].astype(int) - second[i].astype(int)).mean() > 1
        }
        if len(lively) == 4:
            break
    assert len(lively) >= 3, f"tiles with moving pictures and outlines: {sorted(lively)}"


def test_entered_event_click_shows_its_snapshot(make_console, qtbot):
    window = make_console(SENTINEL_CAMERA_WORKERS="process")
    qtbot.waitUntil(lambda: bool(window.events.rows_of_kind("entered")), timeout=20_000)
    row = window.events.rows_of_kind("entered")[0]
    assert window.events.index(row, 2).data() == "entered"
    table = window.event_table
    rect = table.visualRect(window.events.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.snapshot_view.image is not None
    shot = pixels(window.snapshot_view.grab().toImage())
    assert shot.std() > 20, "snapshot view is blank"


def test_layouts_and_double_click_maximise(make_console, qtbot):
    window = make_console()
    window.set_layout(3)
    tiles = window.wall.tiles
    assert len(tiles) == 9
    qtbot.waitUntil(lambda: all(t.isVisible() and t.width() > 100 for t in tiles))
    assert len({(t.x(), t.y()) for t in tiles}) == 9
    tile = tiles[0]
    small = tile.width()
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tile.width() > 2.5 * small)
    assert [t for t in tiles if t.isVisible()] == [tile]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(t.isVisible() for t in tiles) and tile.width() < 1.1 * small)
    window.set_layout(1)
    assert len(window.wall.tiles) == 1


def test_added_file_camera_dropped_on_a_tile_plays_there(make_console, qtbot):
    window = make_console()
    dialog = AddCameraDialog(window)
    dialog.source_edit.setText(str(STREET_SHORT))
    dialog.accept()
    assert dialog.result() == AddCameraDialog.DialogCode.Accepted
    camera = window.add_camera(dialog.camera())
    cid = str(camera.id)
    assert cid in window.camera_list.camera_ids()
    tile = window.wall.tiles[3]
    mime = QMimeData()
    mime.setData(CAMERA_MIME, cid.encode())
    drop = QDropEvent(
        QPointF(tile.rect().center()),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Offscreen Qt delivers no synthetic drop without a drag in flight: call the handler.
    tile.dropEvent(drop)
    assert drop.isAccepted()
    assert tile.camera_id == cid and tile.title == camera.name
    qtbot.waitUntil(lambda: tile.frames_shown > 10, timeout=15_000)
    assert tile.shown_result.frame.camera_id == cid
    # the list's drag payload is what a tile accepts
    item = window.camera_list.item(window.camera_list.count() - 1)
    payload = window.camera_list.mimeData([item])
    assert bytes(payload.data(CAMERA_MIME)).decode() == cid


def test_add_camera_dialog_rejects_a_missing_file(qtbot, tmp_path):
    dialog = AddCameraDialog()
    qtbot.addWidget(dialog)
    dialog.source_edit.setText(str(tmp_path / "nope.mp4"))
    dialog.accept()
    assert dialog.result() != AddCameraDialog.DialogCode.Accepted
    assert "no such file" in dialog.error_label.text()
    dialog.source_edit.setText("rtsp://10.0.0.5:554/live")
    dialog.name_edit.setText("gate")
    dialog.accept()
    camera = dialog.camera()
    assert camera == Camera(id=camera.id, name="gate", source="rtsp://10.0.0.5:554/live")


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
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
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
