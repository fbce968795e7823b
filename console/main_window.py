"""Main window: camera tiles and a live event list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QListWidget,
    QMainWindow,
    QSplitter,
    QWidget,
)

from console.bridge import EngineBridge
from console.video_wall.camera_tile import CameraTileWidget
from engine.domain import CameraStatus, Event, FrameResult


class MainWindow(QMainWindow):
    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.setWindowTitle("Sentinel")
        self.bridge = bridge
        self.tiles: dict[str, CameraTileWidget] = {}
        wall = QWidget()
        self._grid = QGridLayout(wall)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(2)
        self.event_list = QListWidget()
        self.event_list.setMinimumWidth(260)
        splitter = QSplitter()
        splitter.addWidget(wall)
        splitter.addWidget(self.event_list)
        splitter.setStretchFactor(0, 4)
        self.setCentralWidget(splitter)
        bridge.frame_ready.connect(self._on_frame)
        bridge.event_ready.connect(self._on_event)
        bridge.status_changed.connect(self._on_status)
        for camera in bridge.client.list_cameras():
            self.add_tile(str(camera.id), camera.name)

    def add_tile(self, camera_id: str, title: str) -> CameraTileWidget:
        tile = CameraTileWidget(title)
        count = len(self.tiles)
        columns = 1 if count < 1 else 2
        self._grid.addWidget(tile, count // columns, count % columns)
        self.tiles[camera_id] = tile
        self.bridge.watch(camera_id)
        return tile

    def _on_frame(self, camera_id: str, result: FrameResult) -> None:
        tile = self.tiles.get(camera_id)
        if tile is not None:
            tile.show_result(result)

    def _on_status(self, status: CameraStatus) -> None:
        tile = self.tiles.get(status.camera_id)
        if tile is not None:
            tile.set_status(status)

    def _on_event(self, event: Event) -> None:
        when = event.timestamp.astimezone().strftime("%H:%M:%S")
        self.event_list.insertItem(
            0, f"{when}  {event.kind.value:<8} {event.class_name} #{event.track_id}"
        )
        while self.event_list.count() > 500:
            self.event_list.takeItem(self.event_list.count() - 1)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.bridge.close()
        super().closeEvent(event)
