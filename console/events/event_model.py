"""EventTableModel: the live event list, newest first, bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from engine.domain import Event

# The plate beside the kind: the column an operator scans, visible in a narrow event list.
COLUMNS = ("time", "camera", "kind", "plate", "class", "track id")
PLATE_COLUMN = COLUMNS.index("plate")
Index = QModelIndex | QPersistentModelIndex


class EventTableModel(QAbstractTableModel):
    """Rows are events, newest on top; past `limit` rows the oldest fall off the bottom."""

    def __init__(self, camera_name: Callable[[str], str], limit: int = 500) -> None:
        super().__init__()
        self._camera_name = camera_name
        self._limit = limit
        self._events: list[Event] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's API)
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        event = self._events[index.row()]
        return (
            event.timestamp.astimezone().strftime("%H:%M:%S"),
            self._camera_name(event.camera_id),
            event.kind.value,
            plate_text(event),
            event.class_name,
            str(event.track_id),
        )[index.column()]

    def add(self, event: Event) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._events.insert(0, event)
        self.endInsertRows()
        if len(self._events) > self._limit:
            self.beginRemoveRows(QModelIndex(), self._limit, len(self._events) - 1)
            del self._events[self._limit :]
            self.endRemoveRows()

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def rows_of_kind(self, kind: str) -> list[int]:
        return [i for i, e in enumerate(self._events) if e.kind.value == kind]


def plate_text(event: Event) -> str:
    """A plate event's text as the client handed it (masked by role), '' for other events and
    for plates stored only redacted."""
    plate = event.plate
    if plate is None:
        return ""
    return plate.text or plate.raw_text or ("redacted" if plate.redacted else "")
