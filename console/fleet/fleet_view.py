"""FleetViewWidget: the device table beside the chosen device's detail panel. While shown it
asks the engine for the device list and the chosen device's readings once a second."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.fleet.device_model import DeviceTableModel
from console.fleet.device_panel import DeviceDetailPanel
from console.fleet.register_dialog import CredentialsDialog, RegisterDeviceDialog
from console.ops import BackgroundOps
from engine.client import EngineClient
from engine.domain import DeviceCredentials, DeviceSummary

log = logging.getLogger(__name__)
REFRESH_MS = 1000


class FleetViewWidget(QWidget):
    """Polls only while visible; `close_ops` (the main window's close) waits for calls in flight."""

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self.ops = BackgroundOps(self)
        self.devices = DeviceTableModel()
        self.table = QTableView()
        self.table.setModel(self.devices)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.panel = DeviceDetailPanel(client, self.ops)
        self.panel.revoked.connect(lambda _id: self.refresh())
        self.summary = QLabel("")
        self.summary.setStyleSheet("color: #616161")
        self.register_button = QPushButton("Register device…")
        self.register_button.clicked.connect(self.register_dialog)
        self.credentials_dialog: CredentialsDialog | None = None
        self._list_in_flight = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._build_layout()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.register_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 1040])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # polling ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """Ask for the device list (and the chosen device's charts) unless a call is pending."""
        self.panel.refresh_readings()
        if self._list_in_flight:
            return
        self._list_in_flight = True
        self.ops.run(self._client.list_devices, self._on_devices, self._on_list_failed)

    def _on_devices(self, devices: list[DeviceSummary]) -> None:
        self._list_in_flight = False
        chosen = self.panel.device.device_id if self.panel.device else None
        self.devices.set_devices(devices)
        online = sum(d.online for d in devices)
        self.summary.setText(f"{len(devices)} devices, {online} online")
        row = self.devices.row_of(chosen) if chosen else None
        if chosen is None and devices:
            row = 0  # the first device, so the panel is never empty while there is one
        if row is None:
            self.panel.show_device(None)
            return
        if self.table.currentIndex().row() != row:
            self.table.selectRow(row)
        self.panel.show_device(self.devices.device_at(row))

    def _on_list_failed(self, exc: Exception) -> None:
        self._list_in_flight = False
        self.summary.setText(f"Device list unavailable: {exc}")

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {index.row() for index in selected.indexes()}
        if rows:
            self.panel.show_device(self.devices.device_at(min(rows)))
            self.panel.refresh_readings()

    def select_device(self, device_id: str) -> bool:
        """Choose a listed device as a click on its row would; False if it is not listed."""
        row = self.devices.row_of(device_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    # registration -----------------------------------------------------------------------------
    def register_dialog(self) -> None:
        dialog = RegisterDeviceDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.register(*dialog.values())

    def register(self, device_id: str, kind: str, location: str | None) -> None:
        """Register through the engine; the credentials then show in a dialog, this once."""
        self.register_button.setEnabled(False)

        def done(credentials: DeviceCredentials) -> None:
            self.register_button.setEnabled(True)
            self.show_credentials(credentials)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.register_button.setEnabled(True)
            self.summary.setText(f"Registering {device_id} failed: {exc}")

        self.ops.run(
            lambda: self._client.register_device(device_id, kind=kind, location=location),
            done,
            failed,
        )

    def show_credentials(self, credentials: DeviceCredentials) -> None:
        self.credentials_dialog = CredentialsDialog(credentials, self)
        self.credentials_dialog.open()  # window-modal without blocking the refresh

    def close_ops(self) -> None:
        self._timer.stop()
        self.ops.close()
