"""DeviceTableModel: every device of the fleet, one row each, in the engine's order (by id)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from console.list_table_model import Index, ListTableModel
from engine.domain import DeviceSummary

COLUMNS = ("Device", "Kind", "State", "Last seen", "Firmware", "Location")
STATE_COLOURS = {"online": "#2e7d32", "offline": "#9e9e9e", "revoked": "#c62828"}


def state_of(device: DeviceSummary) -> str:
    """online, revoked (cut off by an installer) or offline."""
    if device.online:
        return "online"
    return "revoked" if device.status == "revoked" else "offline"


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 2:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


class DeviceTableModel(ListTableModel):
    """`set_devices` replaces the rows; an unchanged list of ids updates in place, so the
    table keeps its selection through a refresh; `update_device` changes one row."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._now = datetime.now(timezone.utc)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        device = self._rows[index.row()]
        state = state_of(device)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                device.device_id,
                device.kind,
                f"● {state}",
                ago(device.last_seen, self._now),
                device.firmware or "-",
                device.location or "-",
            )[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QColor(STATE_COLOURS[state])
        if role == Qt.ItemDataRole.ToolTipRole and device.status:
            return f"last status: {device.status}"
        return None

    def set_devices(self, devices: list[DeviceSummary]) -> None:
        self._now = datetime.now(timezone.utc)
        if [d.device_id for d in devices] == [d.device_id for d in self._rows]:
            self._rows = list(devices)
            if devices:
                last = self.index(len(devices) - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = list(devices)
        self.endResetModel()

    def update_device(self, device: DeviceSummary) -> int:
        """Put one device's news in its row (a new device gets a row in id order); its row."""
        self._now = datetime.now(timezone.utc)
        row = self.row_of(device.device_id)
        if row is not None:
            self._rows[row] = device
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return row
        row = sum(d.device_id < device.device_id for d in self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, device)
        self.endInsertRows()
        return row

    def device_at(self, row: int) -> DeviceSummary:
        return self._rows[row]

    def row_of(self, device_id: str) -> int | None:
        for row, device in enumerate(self._rows):
            if device.device_id == device_id:
                return row
        return None

    def devices(self) -> list[DeviceSummary]:
        return list(self._rows)
