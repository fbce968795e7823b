"""The camera list shows each camera's state from the start, not only after its next change."""

from __future__ import annotations

import numpy as np

from console.bridge import EngineBridge
from console.main_window import MainWindow
from engine.client.local import open_local_client
from engine.config import Settings
from engine.domain import Camera, CameraState
from tests.helpers import STREET_SHORT


def test_cameras_listed_with_their_state_before_any_change(qtbot, tmp_path):
    from console.app import _drop_opencv_qt_paths

    _drop_opencv_qt_paths()
    client = open_local_client(Settings(SENTINEL_DATA_DIR=tmp_path / "data"), demo=True)
    try:
        # Settled before the console exists: these states were published to nobody.
        qtbot.waitUntil(
            lambda: all(
                client.camera_status(str(c.id)).state is CameraState.LIVE
                for c in client.list_cameras()
            ),
            timeout=20_000,
        )
        window = MainWindow(EngineBridge(client))
        qtbot.addWidget(window)
        rows = [window.camera_list.item(i).text() for i in range(window.camera_list.count())]
        assert len(rows) == 4 and all(row.endswith("(live)") for row in rows), rows

        added = window.add_camera(Camera(name="added", source=str(STREET_SHORT)))
        row = window.camera_list.item(window.camera_list.count() - 1).text()
        state = client.camera_status(str(added.id)).state.value
        assert row.startswith("added  (") and state in row, row  # listed with a state at once
        window.close()
    finally:
        client.close()


def test_an_empty_camera_list_says_why_and_how_to_get_cameras(make_console, qtbot):
    """An operator whose user row lists no camera gets an empty list: it must not read as a
    broken console. The hint is painted in the list and goes once a camera is there."""
    from tests.console.pixels import pixels

    window = make_console(demo=False)
    camera_list = window.camera_list
    assert camera_list.count() == 0

    def ink_below_first_row() -> int:
        rgb = pixels(camera_list.viewport().grab().toImage())[40:140].astype(int)
        background = np.median(rgb.reshape(-1, 3), axis=0)
        return int((np.abs(rgb - background).sum(axis=2) > 60).sum())

    qtbot.waitUntil(lambda: ink_below_first_row() > 200, timeout=5_000)
    window.add_camera(Camera(name="added", source=str(STREET_SHORT)))
    qtbot.waitUntil(lambda: ink_below_first_row() == 0, timeout=5_000)
