"""The main window over two sites (MultiSiteClient of two in-process engines): cameras listed
under their site, tile titles and the event list name the site, stored events of both sites
listed at start, clicking an event finds its camera, and a camera added from the console goes to
the site chosen for it."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt

from console.bridge import EngineBridge
from console.cameras.add_camera_dialog import AddCameraDialog
from console.main_window import MainWindow
from engine.client.local import open_local_client
from engine.client.sites import MultiSiteClient
from engine.config import Settings
from engine.domain import Camera, Event, EventKind
from engine.storage.repos.events import EventRepository
from tests.console import moving_square as sq


def _stored(camera_id: str, second: int) -> Event:
    return Event(
        camera_id=camera_id,
        kind=EventKind.ENTERED,
        track_id=100 + second,
        class_name="car",
        class_id=2,
        score=0.9,
        box=(1.0, 2.0, 3.0, 4.0),
        timestamp=datetime(2026, 1, 10, 12, 0, second, tzinfo=timezone.utc),
        pts=0.0,
    )


def test_two_sites_side_by_side(qtbot, tmp_path):
    from console.app import _drop_opencv_qt_paths

    _drop_opencv_qt_paths()
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(50))
    engines = {}
    for site in ("north", "south"):
        engines[site] = open_local_client(
            Settings(
                SENTINEL_DATA_DIR=tmp_path / site,
                SENTINEL_SITE=site,
                SENTINEL_CAMERA_WORKERS="thread",
                detector={"type": "colour-blob"},
            )
        )
        camera = engines[site].add_camera(Camera(name="gate", source=str(clip), loop=True))
        EventRepository(engines[site]._parts.database).add_many(
            [_stored(str(camera.id), s) for s in ((1, 3) if site == "north" else (2,))]
        )
    client = MultiSiteClient(engines)
    window = MainWindow(EngineBridge(client))
    qtbot.addWidget(window)
    window.resize(1400, 700)
    window.show()
    try:
        rows = [window.camera_list.item(i) for i in range(window.camera_list.count())]
        texts = [row.text().split("  (")[0] for row in rows]
        assert texts == ["north", "gate", "south", "gate"]
        ids = window.camera_list.camera_ids()
        assert [cid.split("/")[0] for cid in ids] == ["north", "south"]
        assert all(len(cid.split("/")[1]) == 36 for cid in ids)  # site/uuid
        titles = sorted(t.title for t in window.wall.tiles if t.camera_id)
        assert titles == ["north · gate", "south · gate"]
        qtbot.waitUntil(lambda: all(t.frames_shown for t in window.tiles.values()), timeout=30_000)

        stored = [
            r for r in range(window.events.rowCount()) if window.events.event_at(r).track_id >= 100
        ]
        cameras = [window.events.index(r, 1).data() for r in stored]
        assert cameras == ["north · gate", "south · gate", "north · gate"]  # newest first

        south_row = stored[1]
        table = window.event_table
        rect = table.visualRect(window.events.index(south_row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.camera_list.currentItem().data(Qt.ItemDataRole.UserRole) == ids[1]

        # A camera added from the console goes to the site chosen for it.
        dialog = AddCameraDialog(window, window.sites)
        qtbot.addWidget(dialog)
        dialog.site_combo.setCurrentText("south")
        dialog.name_edit.setText("dock")
        dialog.source_edit.setText(str(clip))
        added = window.add_camera(dialog.camera())
        assert str(added.id).startswith("south/") and added.site == "south"
        assert [c.name for c in engines["south"].list_cameras()] == ["gate", "dock"]
        rows = [window.camera_list.item(i) for i in range(window.camera_list.count())]
        assert [row.text().split("  (")[0] for row in rows] == [
            "north",
            "gate",
            "south",
            "gate",
            "dock",
        ]
        assert window.wall.tiles_of(str(added.id))[0].title == "south · dock"
    finally:
        window.close()
        client.close()
