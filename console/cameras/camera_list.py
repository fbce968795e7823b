"""CameraListWidget: the configured cameras with their state; drag one onto a wall tile."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from console.video_wall.camera_tile import CAMERA_MIME, camera_mime
from engine.domain import Camera, CameraStatus

CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole


class CameraListWidget(QListWidget):
    """One row per camera: name and connection state. Items drag as camera ids."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self._items: dict[str, QListWidgetItem] = {}
        self._names: dict[str, str] = {}

    def add_camera(self, camera: Camera) -> None:
        cid = str(camera.id)
        item = QListWidgetItem(camera.name)
        item.setData(CAMERA_ID_ROLE, cid)
        item.setToolTip(camera.source)
        self._items[cid] = item
        self._names[cid] = camera.name
        self.addItem(item)

    def set_status(self, status: CameraStatus) -> None:
        item = self._items.get(status.camera_id)
        if item is not None:
            item.setText(f"{self._names[status.camera_id]}  ({status.state.value})")

    def camera_ids(self) -> list[str]:
        return list(self._items)

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return [CAMERA_MIME]

    def mimeData(self, items):  # noqa: N802 (Qt's name)
        return camera_mime(items[0].data(CAMERA_ID_ROLE)) if items else super().mimeData(items)
