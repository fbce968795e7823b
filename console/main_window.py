"""Main window: a Wall tab (camera list, video wall, live event list and the snapshot of the
chosen event) and a Fleet tab (devices, their sensors, commands and config)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
)

from console.bridge import EngineBridge
from console.cameras.add_camera_dialog import AddCameraDialog
from console.cameras.camera_list import CameraListWidget
from console.events.event_model import EventTableModel
from console.events.snapshot_view import SnapshotViewWidget
from console.fleet.fleet_view import FleetViewWidget
from console.sites.site_watch import SiteWatch
from console.video_wall.camera_tile import CameraTileWidget
from console.video_wall.wall import LAYOUTS, VideoWallWidget
from engine.client import EventQuery
from engine.client.sites import MultiSiteClient
from engine.domain import Camera, CameraStatus, Event, FrameResult

log = logging.getLogger(__name__)
RECENT_EVENTS = 100  # stored events listed at start, before live ones arrive


class MainWindow(QMainWindow):
    """Talks to the engine only through the bridge's EngineClient and signals. Connected to
    several sites (MultiSiteClient), it groups cameras by site and names the site in tile
    titles and the event list."""

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.setWindowTitle("Sentinel")
        self.bridge = bridge
        self._names: dict[str, str] = {}
        client = bridge.client
        self.sites = client.sites if isinstance(client, MultiSiteClient) else []
        self.camera_list = CameraListWidget()
        self.wall = VideoWallWidget()
        self.events = EventTableModel(lambda cid: self._names.get(cid, cid[:8]))
        self.event_table = QTableView()
        self.event_table.setModel(self.events)
        self.event_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.event_table.verticalHeader().hide()
        self.event_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.event_table.clicked.connect(self.show_event)
        self.snapshot_view = SnapshotViewWidget()
        self.fleet_view = FleetViewWidget(bridge.client)
        self._build_layout()
        self._build_actions()
        self.wall.cameras_changed.connect(self._watch_only)
        bridge.frame_ready.connect(self._on_frame)
        bridge.event_ready.connect(self._on_event)
        bridge.status_changed.connect(self._on_status)
        if len(self.sites) > 1:
            for site in self.sites:
                self.camera_list.add_group(site)
        for camera in bridge.client.list_cameras():
            self._add_known_camera(camera)
        self.site_watch: SiteWatch | None = None
        if isinstance(client, MultiSiteClient):
            self._show_site_problems(client.problems())
            self.site_watch = SiteWatch(client, parent=self)
            self.site_watch.problems.connect(self._show_site_problems)
        self._list_recent_events()

    def _build_layout(self) -> None:
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.event_table)
        side.addWidget(self.snapshot_view)
        side.setSizes([500, 300])
        main = QSplitter()
        main.addWidget(self.camera_list)
        main.addWidget(self.wall)
        main.addWidget(side)
        main.setStretchFactor(1, 5)
        main.setSizes([200, 1020, 380])
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(main, "Wall")
        self.tabs.addTab(self.fleet_view, "Fleet")
        self.setCentralWidget(self.tabs)

    def _build_actions(self) -> None:
        toolbar = QToolBar("Wall")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.tabs.currentChanged.connect(lambda index: toolbar.setVisible(index == 0))
        menu = self.menuBar().addMenu("&View")
        add = QAction("Add camera…", self, triggered=self.add_camera_dialog)
        toolbar.addAction(add)
        self.menuBar().addMenu("&Cameras").addAction(add)
        toolbar.addSeparator()
        group = QActionGroup(self)
        self.layout_actions: dict[int, QAction] = {}
        for side in LAYOUTS:
            action = QAction(f"{side}x{side}", self, checkable=True)
            action.triggered.connect(lambda _=False, s=side: self.set_layout(s))
            action.setChecked(side == self.wall.side)
            group.addAction(action)
            toolbar.addAction(action)
            menu.addAction(action)
            self.layout_actions[side] = action

    # wall -----------------------------------------------------------------------------------
    @property
    def tiles(self) -> dict[str, CameraTileWidget]:
        """Tiles showing a camera, by camera id (the first tile where one shows twice)."""
        shown: dict[str, CameraTileWidget] = {}
        for tile in self.wall.tiles:
            if tile.camera_id is not None:
                shown.setdefault(tile.camera_id, tile)
        return shown

    def set_layout(self, side: int) -> None:
        self.wall.set_side(side)
        self.layout_actions[side].setChecked(True)
        for cid in self.camera_list.camera_ids():
            if cid not in self.wall.shown_cameras():
                self.wall.place(cid)

    def _watch_only(self, camera_ids: set[str]) -> None:
        """Frames flow only for cameras on screen; a tile that just got a camera shows its
        current state at once rather than at the next change."""
        for cid in camera_ids:
            self.bridge.watch(cid)
            for tile in self.wall.tiles_of(cid):
                if tile.shown_result is None:
                    tile.set_status(self.bridge.client.camera_status(cid))
        for cid in self.bridge.watched() - camera_ids:
            self.bridge.unwatch(cid)

    def _add_known_camera(self, camera: Camera) -> None:
        cid = str(camera.id)
        several = len(self.sites) > 1
        title = f"{camera.site} · {camera.name}" if several else camera.name
        self._names[cid] = title
        self.wall.set_camera_name(cid, title)
        self.camera_list.add_camera(camera, camera.site if several else None)
        # The state as of now: changes before the bridge subscribed were never signalled, and
        # a settled file camera may not change again for a long time.
        self.camera_list.set_status(self.bridge.client.camera_status(cid))
        self.wall.place(cid)

    def add_camera(self, camera: Camera) -> Camera:
        """Start a camera in the engine and list it (it takes a free tile if there is one)."""
        added = self.bridge.client.add_camera(camera)
        self._add_known_camera(added)
        return added

    def add_camera_dialog(self) -> None:
        dialog = AddCameraDialog(self, self.sites)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.add_camera(dialog.camera())
        except Exception as exc:  # engine refused it: tell the operator, keep running
            log.warning("adding a camera failed: %s", exc)
            QMessageBox.warning(self, "Add camera", f"Cannot add the camera: {exc}")

    def _on_frame(self, camera_id: str, result: FrameResult) -> None:
        self.wall.show_result(camera_id, result)

    def _on_status(self, status: CameraStatus) -> None:
        self.wall.set_status(status)
        self.camera_list.set_status(status)

    def _show_site_problems(self, problems: dict[str, str]) -> None:
        """Each site heading says why its site is failing, or nothing."""
        for site in self.camera_list.group_names():
            self.camera_list.set_group_note(site, problems.get(site, ""))

    # events ---------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        self.events.add(event)

    def _list_recent_events(self) -> None:
        try:
            recent = self.bridge.client.list_events(EventQuery(limit=RECENT_EVENTS))
        except Exception as exc:  # storage or every site away: live events still come
            log.warning("recent events unavailable: %s", exc)
            return
        self.events.add_older(recent)

    def show_event(self, index: QModelIndex) -> None:
        """Clicking an event row shows its snapshot with the event's box and highlights its
        camera in the camera list."""
        event = self.events.event_at(index.row())
        self.camera_list.select_camera(event.camera_id)
        jpeg = None
        if event.snapshot:
            try:
                jpeg = self.bridge.client.get_snapshot(event.snapshot)
            except Exception as exc:  # a snapshot removed by retention, a remote hiccup
                log.warning("snapshot %s unavailable: %s", event.snapshot, exc)
        self.snapshot_view.show_snapshot(event, jpeg)

    def show_view(self, name: str) -> None:
        """Bring the tab called `name` (wall, fleet) to the front."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index).lower() == name.lower():
                self.tabs.setCurrentIndex(index)
                return
        raise ValueError(f"no view called {name!r}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.fleet_view.close_ops()
        if self.site_watch is not None:
            self.site_watch.close()
        self.bridge.close()
        super().closeEvent(event)
