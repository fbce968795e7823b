"""FleetViewWidget: the device table beside the chosen device's detail panel. While shown it
follows the engine's device updates (subscribe_devices: online/offline, last seen, readings,
camera images as they are stored) and, as a safety net for what no update says (a device
that went quiet turns offline after three missed heartbeats), lists everything again every
SAFETY_POLL_MS (every second when the engine pushes no updates)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
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
from engine.client import EngineClient, Subscription
from engine.domain import DeviceCredentials, DeviceSummary, DeviceUpdate
from engine.domain.device import SENSOR_KINDS

log = logging.getLogger(__name__)
SAFETY_POLL_MS = 10_000
FALLBACK_POLL_MS = 1000  # an engine that pushes no device updates is polled as before
LIST_FAILED = "Device list unavailable"


class FleetViewWidget(QWidget):
    """Subscribed (and polling) only while visible; `close_ops` (the main window's close) ends
    the subscription and waits for calls in flight."""

    # Emitted on the engine's thread; Qt queues it to this widget on the GUI thread.
    device_updated = Signal(object)  # DeviceUpdate

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
        # What went wrong stays here until the next try of the same thing: the summary is
        # rewritten on every device update, so it cannot carry an error.
        self.notice = QLabel("")
        self.notice.setStyleSheet("color: #c62828")
        self.notice.setWordWrap(True)
        self.register_button = QPushButton("Register device…")
        self.register_button.clicked.connect(self.register_dialog)
        self.credentials_dialog: CredentialsDialog | None = None
        self._list_in_flight = False
        self._subscription: Subscription | None = None
        self._subscribing = False
        self.device_updated.connect(self._on_update)
        self._timer = QTimer(self)
        self._timer.setInterval(SAFETY_POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._build_layout()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.summary)
        bar.addWidget(self.notice, 1)
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

    # updates ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._subscribe()
        self.refresh()
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._timer.stop()
        self._unsubscribe()
        super().hideEvent(event)

    def _subscribe(self) -> None:
        """Subscribe off the GUI thread (a remote engine answers over the network)."""
        if self._subscription is not None or self._subscribing:
            return
        self._subscribing = True

        def done(subscription: Subscription) -> None:
            self._subscribing = False
            if self.isVisible() and self._subscription is None:
                self._subscription = subscription
                self._timer.setInterval(SAFETY_POLL_MS)
                self.refresh()  # what changed between the first list and the subscription
            else:  # hidden (or closed) meanwhile
                subscription.cancel()

        def failed(exc: Exception) -> None:
            self._subscribing = False
            self._timer.setInterval(FALLBACK_POLL_MS)
            log.warning("no device updates, the list is polled every second: %s", exc)

        self.ops.run(lambda: self._client.subscribe_devices(self.device_updated.emit), done, failed)

    def _unsubscribe(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.cancel()

    def _on_update(self, update: DeviceUpdate) -> None:
        if not self.isVisible():
            return
        self.devices.update_device(update.device)
        self._show_summary(self.devices.devices())
        chosen = self.panel.device
        if chosen is None:
            self._select_first()
            return
        if chosen.device_id != update.device.device_id:
            return
        self.panel.show_device(update.device)
        if not update.kinds or update.kinds & set(SENSOR_KINDS):  # none: not known what changed
            self.panel.refresh_readings()
        if update.image is not None:
            self.panel.refresh_snapshot()

    def refresh(self) -> None:
        """Ask for the device list (and the chosen device's charts and picture) unless a call is
        pending."""
        self.panel.refresh_readings()
        self.panel.refresh_snapshot()
        if self._list_in_flight:
            return
        self._list_in_flight = True
        self.ops.run(self._client.list_devices, self._on_devices, self._on_list_failed)

    def _on_devices(self, devices: list[DeviceSummary]) -> None:
        self._list_in_flight = False
        if self.notice.text().startswith(LIST_FAILED):
            self.notice.setText("")
        chosen = self.panel.device.device_id if self.panel.device else None
        self.devices.set_devices(devices)
        self._show_summary(devices)
        row = self.devices.row_of(chosen) if chosen else None
        if chosen is None and devices:
            row = 0  # the first device, so the panel is never empty while there is one
        if row is None:
            self.panel.show_device(None)
            return
        if self.table.currentIndex().row() != row:
            self.table.selectRow(row)
        self.panel.show_device(self.devices.device_at(row))

    def _show_summary(self, devices: list[DeviceSummary]) -> None:
        online = sum(d.online for d in devices)
        self.summary.setText(f"{len(devices)} devices, {online} online")

    def _select_first(self) -> None:
        if self.devices.rowCount() > 0:
            self.table.selectRow(0)
            self.panel.show_device(self.devices.device_at(0))

    def _on_list_failed(self, exc: Exception) -> None:
        self._list_in_flight = False
        self.notice.setText(f"{LIST_FAILED}: {exc}")

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
        self.notice.setText("")

        def done(credentials: DeviceCredentials) -> None:
            self.register_button.setEnabled(True)
            self.show_credentials(credentials)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.register_button.setEnabled(True)
            self.notice.setText(f"Registering {device_id} failed: {exc}")

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
        self._unsubscribe()
        self.ops.close()
