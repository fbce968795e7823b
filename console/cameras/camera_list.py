"""CameraListWidget: the configured cameras with their state; drag one onto a wall tile. With
several sites connected, cameras are grouped under a heading per site."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from console.video_wall.camera_tile import CAMERA_MIME, camera_mime
from engine.domain import Camera, CameraStatus

# Shown in place of an empty list: an operator whose user row lists no camera sees nothing at
# all, and a blank panel reads as a broken connection.
EMPTY_HINT = (
    "No cameras to show.\n\nAdd one with Add camera, or ask an admin to give your user "
    "cameras (sentinel-engine user cameras NAME ID,...)."
)
CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1


class CameraListWidget(QListWidget):
    """One row per camera: name and connection state. Items drag as camera ids."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self._items: dict[str, QListWidgetItem] = {}
        self._names: dict[str, str] = {}
        self._groups: dict[str, QListWidgetItem] = {}

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        flags = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(self.viewport().rect().adjusted(8, 12, -8, -8), flags, EMPTY_HINT)
        painter.end()

    def add_camera(self, camera: Camera, group: str | None = None) -> None:
        """A row for `camera`, at the end of `group`'s rows when given (its heading first)."""
        cid = str(camera.id)
        item = QListWidgetItem(camera.name)
        item.setData(CAMERA_ID_ROLE, cid)
        item.setData(GROUP_ROLE, group)
        item.setToolTip(camera.source)
        self._items[cid] = item
        self._names[cid] = camera.name
        if group is None:
            self.addItem(item)
        else:
            self.insertItem(self._group_end(group), item)

    def add_group(self, name: str) -> None:
        """A heading row (not a camera: it neither drags nor selects)."""
        if name in self._groups:
            return
        heading = QListWidgetItem(name)
        heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
        heading.setData(GROUP_ROLE, name)
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)
        self._groups[name] = heading
        self.addItem(heading)

    def set_group_note(self, name: str, note: str) -> None:
        """Say something about a whole group beside its heading ('' clears it)."""
        self.add_group(name)
        self._groups[name].setText(f"{name}  ({note})" if note else name)

    def group_names(self) -> list[str]:
        return list(self._groups)

    def _group_end(self, name: str) -> int:
        self.add_group(name)
        row = self.row(self._groups[name]) + 1
        while row < self.count() and self.item(row).data(CAMERA_ID_ROLE) is not None:
            if self.item(row).data(GROUP_ROLE) != name:
                break
            row += 1
        return row

    def select_camera(self, camera_id: str) -> bool:
        """Highlight a camera's row and scroll to it; False for a camera not listed."""
        item = self._items.get(camera_id)
        if item is None:
            return False
        self.setCurrentItem(item)
        self.scrollToItem(item)
        return True

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
