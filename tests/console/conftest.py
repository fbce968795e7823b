"""Console fixtures: `make_console` builds the main window on an in-process engine and tears
both down (after napari's make_napari_viewer)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def gui_thread_gc(qapp):
    """Every console test runs as the console does: cycles collected on the GUI thread only
    (console/gui_thread_gc.py); torn down last, after the test's windows are closed."""
    from console.gui_thread_gc import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector()
    collector.start()
    yield collector
    collector.stop()


@pytest.fixture
def make_console(qtbot, tmp_path):
    from console.app import _drop_opencv_qt_paths
    from console.bridge import EngineBridge
    from console.main_window import MainWindow
    from engine.client.local import open_local_client
    from engine.config import Settings

    _drop_opencv_qt_paths()
    made = []

    def make(demo: bool = True, role: str = "admin", **settings):
        """`settings`: Settings fields beyond the data folder (e.g. detector={...}); `role`:
        the local user's role (roles.yaml), which decides whether plate text shows."""
        client = open_local_client(
            Settings(SENTINEL_DATA_DIR=tmp_path / "data", **settings), demo=demo, role=role
        )
        window = MainWindow(EngineBridge(client))
        window.resize(1600, 900)
        qtbot.addWidget(window)
        window.show()
        made.append((window, client))
        return window

    yield make
    for window, client in made:
        window.close()
        client.close()
