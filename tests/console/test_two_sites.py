"""Issue #4's acceptance test: one console connected to two engines (two servers, separate
databases) shows both sites' cameras and events with site-qualified ids; when one site goes
away its camera says so and the other site keeps playing; when it is back, its tile plays again
and its live events arrive, with nothing for the operator to do."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from PySide6.QtCore import Qt

from console.bridge import EngineBridge
from console.main_window import MainWindow
from engine.client import EventQuery
from engine.client.remote_client import open_remote_client
from engine.client.sites import MultiSiteClient
from engine.domain import CameraState
from tests.console import moving_square as sq
from tests.console.site_servers import PASSWORD, USER, serving_site

# docs/screenshots/console_two_sites.png is this test's picture, taken with
# SENTINEL_SCREENSHOT_DIR=docs/screenshots (otherwise it goes to the test's own folder).
SCREENSHOT_DIR_ENV = "SENTINEL_SCREENSHOT_DIR"


def test_one_console_shows_two_engines_cameras_and_events_site_qualified(qtbot, tmp_path):
    from console.app import _drop_opencv_qt_paths

    _drop_opencv_qt_paths()
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(100))
    with ExitStack() as north_stack, ExitStack() as south_stack:
        north = north_stack.enter_context(serving_site(tmp_path / "north", "north-depot", clip))
        south = south_stack.enter_context(serving_site(tmp_path / "south", "south-depot", clip))
        opened = [open_remote_client(s.url, USER, PASSWORD) for s in (north, south)]
        client = MultiSiteClient({remote.site: remote for remote in opened})
        window = MainWindow(EngineBridge(client))
        qtbot.addWidget(window)
        window.resize(1400, 640)
        window.show()
        try:
            expected = [f"north-depot/{north.camera.id}", f"south-depot/{south.camera.id}"]
            assert window.camera_list.camera_ids() == expected
            assert window.camera_list.group_names() == ["north-depot", "south-depot"]
            titles = {t.camera_id: t.title for t in window.wall.tiles if t.camera_id}
            assert titles == {expected[0]: "north-depot · gate", expected[1]: "south-depot · gate"}

            # Stored events of both databases, merged newest first, ids qualified by site.
            rows = [
                r for r in range(window.events.rowCount()) if _event(window, r).track_id >= 1000
            ]
            site_of = {str(north.camera.id): "north-depot", str(south.camera.id): "south-depot"}
            merged = sorted([*north.stored, *south.stored], key=lambda e: e.timestamp, reverse=True)
            assert [(_event(window, r).camera_id, str(_event(window, r).id)) for r in rows] == [
                (f"{site_of[e.camera_id]}/{e.camera_id}", f"{site_of[e.camera_id]}/{e.id}")
                for e in merged
            ]
            assert [window.events.index(r, 1).data() for r in rows] == [
                f"{site_of[e.camera_id]} · gate" for e in merged
            ]

            # Live: both walls play and both sites' new events arrive, qualified.
            qtbot.waitUntil(
                lambda: all(t.frames_shown > 5 for t in window.tiles.values()), timeout=60_000
            )
            qtbot.waitUntil(
                lambda: _live_sites(window) == {"north-depot", "south-depot"}, timeout=60_000
            )
            assert all(
                _event(window, r).camera_id in expected for r in range(window.events.rowCount())
            )

            # One click from an event to its camera (and its snapshot, from that site).
            shown = _click_event_of(window, qtbot, "south-depot")
            assert shown.snapshot and shown.snapshot.startswith("south-depot/")
            assert window.snapshot_view.image is not None
            assert window.camera_list.currentItem().data(Qt.ItemDataRole.UserRole) == expected[1]
            assert client.get_event(str(shown.id)) == shown

            shots = Path(os.environ.get(SCREENSHOT_DIR_ENV) or tmp_path)
            shots.mkdir(parents=True, exist_ok=True)
            assert window.grab().save(str(shots / "console_two_sites.png"))

            # North goes away: the console notices by itself (SiteWatch), its camera shows
            # failed and its heading says why; south keeps playing and answering.
            north.stop_server()
            north_tile = window.tiles[expected[0]]
            qtbot.waitUntil(lambda: north_tile.state_text == "failed", timeout=30_000)
            qtbot.waitUntil(lambda: "cannot reach" in window.camera_list.item(0).text())
            assert window.camera_list.item(0).text().startswith("north-depot  (cannot reach")
            assert window.camera_list.item(1).text() == "gate  (failed)"
            south_tile = window.tiles[expected[1]]
            painted = south_tile.frames_shown
            qtbot.waitUntil(lambda: south_tile.frames_shown > painted + 10, timeout=30_000)
            assert client.camera_status(expected[0]).state is CameraState.FAILED
            assert client.camera_status(expected[1]).state is CameraState.LIVE
            assert [str(c.id) for c in client.list_cameras()] == expected
            remaining = client.list_events(EventQuery(limit=1000))
            assert remaining and {e.site for e in remaining} == {"south-depot"}

            # North is back at the same address: its heading clears, its tile plays again and
            # its new events arrive, without a reconnect by the operator.
            north.start_server()
            qtbot.waitUntil(
                lambda: window.camera_list.item(0).text() == "north-depot", timeout=30_000
            )
            qtbot.waitUntil(lambda: north_tile.state_text == "", timeout=30_000)  # live
            painted = north_tile.frames_shown
            qtbot.waitUntil(lambda: north_tile.frames_shown > painted + 10, timeout=30_000)
            newest = max(_event(window, r).timestamp for r in range(window.events.rowCount()))
            qtbot.waitUntil(
                lambda: any(
                    _event(window, r).site == "north-depot" and _event(window, r).timestamp > newest
                    for r in range(window.events.rowCount())
                ),
                timeout=30_000,
            )
        finally:
            window.close()
            client.close()


def _click_event_of(window: MainWindow, qtbot, site: str):
    """Click a live event of `site` that has a snapshot; the shown event. Rows move down as
    events arrive, so a click that landed on another row is made again."""
    table = window.event_table
    for _ in range(5):
        row = next(
            r
            for r in range(window.events.rowCount())
            if _event(window, r).site == site and _event(window, r).snapshot
        )
        rect = table.visualRect(window.events.index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        shown = window.snapshot_view.shown_event
        if shown is not None and shown.site == site:
            return shown
    raise AssertionError(f"no event of {site} could be clicked")


def _event(window: MainWindow, row: int):
    return window.events.event_at(row)


def _live_sites(window: MainWindow) -> set[str]:
    rows = (window.events.event_at(r) for r in range(window.events.rowCount()))
    return {e.site for e in rows if e.track_id < 1000 and e.snapshot}
