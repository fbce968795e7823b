"""Plates on the wall and in the event list: an ALPR camera playing the generated clip of the
pixabay car (plate 4XXF538, frames degraded so single reads disagree) shows the current read
under the car's box and a plate row in the event list; a role without plates.view sees both
masked, and the plate event's snapshot blurred."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from console.events.event_model import PLATE_COLUMN
from console.video_wall.camera_tile import CameraTileWidget
from engine.config import Settings
from engine.domain import Camera, DetectionSettings, FrameResult
from engine.resources import resource_path
from engine.security.policy import mask
from engine.storage import BlobStore
from tests.console.pixels import pixels
from tests.engine.alpr.clip import write_moving_plate_clip

PLATE = "4XXF538"
# Live video and camera set-up without plates.view: no bundled role has that (a labeler sees no
# video at all); a site's roles file may.
WATCHER_ROLE = """
  watcher:
    description: live video, events and cameras; plates masked
    permissions: [video.view, events.read, cameras.manage]
"""


@pytest.fixture(scope="module")
def plate_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_moving_plate_clip(tmp_path_factory.mktemp("plates") / "moving_plate.mp4")


def _alpr_camera(window, clip: Path) -> CameraTileWidget:
    camera = window.add_camera(
        Camera(name="gate", source=str(clip), loop=True, detection=DetectionSettings(alpr=True))
    )
    return window.tiles[str(camera.id)]


def _plate_rows(window) -> list[str]:
    model = window.events
    return [model.index(row, PLATE_COLUMN).data() for row in model.rows_of_kind("plate")]


def _grab(result: FrameResult, size) -> tuple[np.ndarray, CameraTileWidget]:
    """The result painted on a fresh tile of `size` (no trail history, nothing else arriving)."""
    tile = CameraTileWidget()
    tile.resize(size)
    tile.show_result(result)
    shot = pixels(tile.grab().toImage())
    return shot, tile


def test_plate_read_under_the_box_and_in_the_event_list(make_console, qtbot, plate_clip):
    window = make_console(demo=False)
    tile = _alpr_camera(window, plate_clip)
    qtbot.waitUntil(lambda: any(lb.text == PLATE for lb in tile.plate_labels), timeout=40_000)

    # What the tile drew: the read under the car's box, centred on it.
    result = tile.shown_result
    assert result is not None
    label = next(lb for lb in tile.plate_labels if lb.text == PLATE)
    row = int(np.flatnonzero(result.detections.track_id == label.track_id)[0])
    x1, _, x2, y2 = (float(v) for v in result.detections.xyxy[row])
    target = tile.picture_rect()
    scale = target.width() / result.frame.width
    assert label.rect.top() >= target.y() + y2 * scale - 1  # under the box...
    assert abs(label.rect.center().x() - (target.x() + (x1 + x2) / 2 * scale)) < 2  # ...centred

    # The same frame painted with and without its plates: only the label's pixels differ.
    with_plates, shown = _grab(result, tile.size())
    without, _ = _grab(dataclasses.replace(result, plates={}), tile.size())
    assert [lb.text for lb in shown.plate_labels] == [PLATE]
    r = shown.plate_labels[0].rect.toAlignedRect()
    under = np.s_[r.top() : r.bottom() + 1, r.left() : r.right() + 1]
    assert np.abs(with_plates[under].astype(int) - without[under].astype(int)).mean() > 20
    rest = with_plates.copy()
    rest[under] = without[under]
    assert np.array_equal(rest, without)

    # The track's plate event: a row with the plate text; clicking it shows its snapshot.
    qtbot.waitUntil(lambda: PLATE in _plate_rows(window), timeout=30_000)
    event_row = window.events.rows_of_kind("plate")[_plate_rows(window).index(PLATE)]
    assert all(
        window.events.index(r, PLATE_COLUMN).data() == ""
        for r in window.events.rows_of_kind("entered")
    )
    table = window.event_table
    rect = table.visualRect(window.events.index(event_row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = window.snapshot_view
    assert view.shown_event is not None and view.shown_event.kind.value == "plate"
    assert view.image is not None and (view.image.width(), view.image.height()) == (960, 544)


def test_role_without_plates_view_sees_them_masked(make_console, qtbot, plate_clip, tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text(resource_path("policy", "roles.yaml").read_text() + WATCHER_ROLE)
    window = make_console(demo=False, role="watcher", ROLES_FILE=roles)
    tile = _alpr_camera(window, plate_clip)
    qtbot.waitUntil(lambda: bool(tile.plate_labels), timeout=40_000)
    assert all("•••" in lb.text for lb in tile.plate_labels)

    qtbot.waitUntil(lambda: bool(_plate_rows(window)), timeout=30_000)
    assert _plate_rows(window)[0] == mask(PLATE) == "4X•••38"
    event = window.events.event_at(window.events.rows_of_kind("plate")[0])
    assert event.plate is not None and event.plate.crop is None
    # The snapshot the client hands out is blurred where the plate is.
    client = window.bridge.client
    shown = cv2.imdecode(np.frombuffer(client.get_snapshot(event.snapshot), np.uint8), 1)
    blobs = BlobStore(Settings(SENTINEL_DATA_DIR=tmp_path / "data").resolved_blobs_dir())
    stored = cv2.imdecode(np.frombuffer(blobs.read(event.snapshot), np.uint8), 1)
    px1, py1, px2, py2 = (int(v) for v in event.plate.box)
    plate_shown, plate_stored = shown[py1:py2, px1:px2], stored[py1:py2, px1:px2]
    assert plate_shown.std() < 0.5 * plate_stored.std()  # the characters are gone
