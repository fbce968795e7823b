"""EventTableModel: the live event list, newest first, bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from console.list_table_model import Index, ListTableModel
from engine.domain import Event

# The plate beside the kind: the column an operator scans, visible in a narrow event list.
COLUMNS = ("time", "camera", "kind", "plate", "class", "track id")
PLATE_COLUMN = COLUMNS.index("plate")


class EventTableModel(ListTableModel):
    """Rows are events, newest on top; past `limit` rows the oldest fall off the bottom."""

    columns = COLUMNS

    def __init__(self, camera_name: Callable[[str], str], limit: int = 500) -> None:
        super().__init__()
        self._camera_name = camera_name
        self._limit = limit

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        event = self._rows[index.row()]
        return (
            event.timestamp.astimezone().strftime("%H:%M:%S"),
            self._camera_name(event.camera_id),
            event.kind.value,
            plate_text(event),
            event.class_name,
            str(event.track_id),
        )[index.column()]

    def add(self, event: Event) -> None:
        """A live event in time order (newest on top); one already listed (read from storage
        meanwhile) is skipped. Events arrive out of order: a `left` is stamped when its track
        was last seen, and cameras in their own processes report independently."""
        if any(row.id == event.id for row in self._rows):
            return
        at = next(
            (i for i, row in enumerate(self._rows) if row.timestamp <= event.timestamp),
            len(self._rows),
        )
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, event)
        self.endInsertRows()
        if len(self._rows) > self._limit:
            self.beginRemoveRows(QModelIndex(), self._limit, len(self._rows) - 1)
            del self._rows[self._limit :]
            self.endRemoveRows()

    def add_older(self, events: list[Event]) -> None:
        """Stored events, newest first, below the rows shown (those listed already skipped)."""
        shown = {row.id for row in self._rows}
        fresh = [event for event in events if event.id not in shown]
        fresh = fresh[: self._limit - len(self._rows)]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows += fresh
        self.endInsertRows()

    def event_at(self, row: int) -> Event:
        return self._rows[row]

    def rows_of_kind(self, kind: str) -> list[int]:
        return [i for i, e in enumerate(self._rows) if e.kind.value == kind]


def plate_text(event: Event) -> str:
    """A plate event's text as the client handed it (masked by role), '' for other events and
    for plates stored only redacted."""
    plate = event.plate
    if plate is None:
        return ""
    return plate.text or plate.raw_text or ("redacted" if plate.redacted else "")
