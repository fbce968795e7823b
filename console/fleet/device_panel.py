"""DeviceDetailPanel: the chosen device's state, live sensor charts, its latest camera snapshot,
commands with their acknowledgement, its config form and revocation. Calls go through
BackgroundOps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.fleet.device_model import STATE_COLOURS, ago, state_of
from console.fleet.device_snapshot import DeviceSnapshotWidget
from console.fleet.sensor_charts import SensorChartsWidget
from console.ops import BackgroundOps
from engine.client import DeviceConfigPatch, EngineClient
from engine.domain import DeviceAck, DeviceSnapshot, DeviceSummary
from engine.domain.device import SENSOR_KINDS

CHART_WINDOW = timedelta(seconds=60)
COMMANDS = ("BEEP", "CAPTURE", "REBOOT")


def _interval_box(maximum: int) -> QSpinBox:
    """A millisecond field whose 0 means 'keep the device's value'."""
    box = QSpinBox()
    box.setRange(0, maximum)
    box.setSingleStep(100)
    box.setSuffix(" ms")
    box.setSpecialValueText("keep")
    return box


class DeviceDetailPanel(QWidget):
    """Shows one device (`show_device`); `refresh_readings` redraws its charts and
    `refresh_snapshot` fetches its latest camera image."""

    revoked = Signal(str)  # device id, once the engine revoked it

    def __init__(
        self, client: EngineClient, ops: BackgroundOps, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._ops = ops
        self.device: DeviceSummary | None = None
        self._reading_in_flight = False
        self._snapshot_in_flight = False
        self._snapshot_again = False  # a newer image arrived while one was being fetched
        self.title = QLabel("Select a device")
        self.title.setStyleSheet("font-size: 18px; font-weight: 600")
        self.facts = QLabel("")
        self.facts.setStyleSheet("color: #616161")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.charts = SensorChartsWidget()
        self.snapshot = DeviceSnapshotWidget()
        self.command_buttons: dict[str, QPushButton] = {}
        self.ack_label = QLabel("")
        self.ack_label.setWordWrap(True)
        self.location_edit = QLineEdit()
        self.location_edit.setMaxLength(64)
        self.location_edit.setPlaceholderText("keep")
        self.sensor_interval = _interval_box(86_400_000)
        self.heartbeat_interval = _interval_box(86_400_000)
        self.push_button = QPushButton("Push config")
        self.push_button.clicked.connect(self.push_config)
        self.config_label = QLabel("")
        self.config_label.setWordWrap(True)
        self.revoke_button = QPushButton("Revoke…")
        self.revoke_button.setStyleSheet("QPushButton:enabled { color: #c62828; }")
        self.revoke_button.clicked.connect(self._confirm_revoke)
        self._build_layout()
        self.show_device(None)

    def _build_layout(self) -> None:
        commands = QGroupBox("Command")
        row = QHBoxLayout()
        for name in COMMANDS:
            button = QPushButton(name.title())
            button.clicked.connect(lambda _=False, n=name: self.send_command(n))
            self.command_buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        command_layout = QVBoxLayout(commands)
        command_layout.addLayout(row)
        command_layout.addWidget(self.ack_label)
        command_layout.addStretch(1)
        config = QGroupBox("Config")
        form = QFormLayout(config)
        form.addRow("Location", self.location_edit)
        form.addRow("Sensor interval", self.sensor_interval)
        form.addRow("Heartbeat interval", self.heartbeat_interval)
        push_row = QHBoxLayout()
        push_row.addWidget(self.push_button)
        push_row.addStretch(1)
        push_row.addWidget(self.revoke_button)
        form.addRow(push_row)
        form.addRow(self.config_label)
        actions = QHBoxLayout()
        actions.addWidget(commands, 1)
        actions.addWidget(config, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        camera = QGroupBox("Latest snapshot")
        QVBoxLayout(camera).addWidget(self.snapshot)
        middle = QHBoxLayout()
        middle.addWidget(self.charts, 3)
        middle.addWidget(camera, 2)
        layout.addLayout(middle, 1)
        layout.addLayout(actions)

    # showing ----------------------------------------------------------------------------------
    def show_device(self, device: DeviceSummary | None) -> None:
        """Show `device` (None: nothing chosen); a different device clears charts and labels."""
        changed = (device and device.device_id) != (self.device and self.device.device_id)
        self.device = device
        for widget in (*self.command_buttons.values(), self.push_button, self.revoke_button):
            widget.setEnabled(device is not None)
        if device is None:
            self.title.setText("Select a device")
            self.facts.setText("Pick a device in the list to see its sensors and act on it.")
            self.charts.clear()
            self.snapshot.clear("")
            return
        if changed:
            self.charts.clear()
            self.snapshot.clear("Looking for its latest picture…")
            self.refresh_snapshot()
            self.ack_label.setStyleSheet("color: #9e9e9e")
            self.ack_label.setText("The device's acknowledgement shows here.")
            self.config_label.setText("")
            self.location_edit.clear()
        self.location_edit.setPlaceholderText(f"keep ({device.location or 'none'})")
        state = state_of(device)
        self.title.setText(device.device_id)
        now = datetime.now(timezone.utc)
        self.facts.setText(
            f"<span style='color:{STATE_COLOURS[state]}'>● {state}</span>"
            f" &nbsp;·&nbsp; {device.kind} &nbsp;·&nbsp; firmware {device.firmware or '-'}"
            f" &nbsp;·&nbsp; {device.location or 'no location'}"
            f" &nbsp;·&nbsp; last seen {ago(device.last_seen, now)}"
        )

    def refresh_readings(self) -> None:
        """Fetch the last minute of each sensor and redraw (skipped while one is in flight)."""
        if self.device is None or self._reading_in_flight:
            return
        device_id = self.device.device_id
        since = datetime.now(timezone.utc) - CHART_WINDOW
        self._reading_in_flight = True

        def fetch() -> dict[str, list]:
            return {k: self._client.device_readings(device_id, k, since) for k in SENSOR_KINDS}

        def done(found: dict[str, list]) -> None:
            self._reading_in_flight = False
            if self.device is not None and self.device.device_id == device_id:
                window = (since.timestamp(), datetime.now(timezone.utc).timestamp())
                for kind, readings in found.items():
                    self.charts.show_readings(kind, readings, window)

        def failed(_exc: Exception) -> None:
            self._reading_in_flight = False

        self._ops.run(fetch, done, failed)

    def refresh_snapshot(self) -> None:
        """Fetch and show the device's latest camera image (again after a fetch in flight)."""
        if self.device is None:
            return
        if self._snapshot_in_flight:
            self._snapshot_again = True
            return
        device_id = self.device.device_id
        self._snapshot_in_flight = True

        def done(snapshot: DeviceSnapshot | None) -> None:
            self._snapshot_in_flight = False
            if self.device is not None and self.device.device_id == device_id:
                self.snapshot.show_snapshot(snapshot)
            if self._snapshot_again:
                self._snapshot_again = False
                self.refresh_snapshot()

        def failed(exc: Exception) -> None:
            self._snapshot_in_flight = self._snapshot_again = False
            self.snapshot.clear(f"No picture: {exc}")

        self._ops.run(lambda: self._client.latest_device_image(device_id), done, failed)

    # acting -----------------------------------------------------------------------------------
    def send_command(self, command: str) -> None:
        if self.device is None:
            return
        device_id = self.device.device_id
        self._set_busy(True)
        self.ack_label.setStyleSheet("color: #616161")
        self.ack_label.setText(f"{command} sent to {device_id}, waiting for its acknowledgement…")

        def done(ack: DeviceAck) -> None:
            self._set_busy(False)
            self._show_ack(ack)

        self._ops.run(
            lambda: self._client.send_command(device_id, command),  # type: ignore[arg-type]
            done,
            self._failed(self.ack_label, f"{command} failed"),
        )

    def push_config(self) -> None:
        if self.device is None:
            return
        device_id = self.device.device_id
        try:
            patch = DeviceConfigPatch(
                location=self.location_edit.text().strip() or None,
                sensor_interval_ms=self.sensor_interval.value() or None,
                heartbeat_interval_ms=self.heartbeat_interval.value() or None,
            )
        except ValueError as exc:
            self._show_error(self.config_label, f"Not pushed: {_first_error(exc)}")
            return
        self._set_busy(True)
        self.config_label.setStyleSheet("color: #616161")
        self.config_label.setText("Pushing the config…")

        def done(ack: DeviceAck | None) -> None:
            self._set_busy(False)
            if ack is None:
                self.config_label.setText(
                    "Config stored on the broker; the device applies it when it reconnects."
                )
            else:
                self._show_ack(ack, self.config_label)

        self._ops.run(
            lambda: self._client.push_config(device_id, patch),
            done,
            self._failed(self.config_label, "Config not pushed"),
        )

    def _confirm_revoke(self) -> None:
        if self.device is None:
            return
        answer = QMessageBox.question(
            self,
            "Revoke device",
            f"Revoke {self.device.device_id}? Its key and MQTT login stop working at once; "
            "registering it again issues new credentials.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.revoke()

    def revoke(self) -> None:
        if self.device is None:
            return
        device_id = self.device.device_id
        self._set_busy(True)

        def done(_none: None) -> None:
            self._set_busy(False)
            self.config_label.setStyleSheet("color: #c62828")
            self.config_label.setText(f"{device_id} revoked: its credentials no longer work.")
            self.revoked.emit(device_id)

        self._ops.run(
            lambda: self._client.revoke_device(device_id),
            done,
            self._failed(self.config_label, "Not revoked"),
        )

    # helpers ----------------------------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        enabled = not busy and self.device is not None
        for widget in (*self.command_buttons.values(), self.push_button, self.revoke_button):
            widget.setEnabled(enabled)

    def _show_ack(self, ack: DeviceAck, label: QLabel | None = None) -> None:
        label = label or self.ack_label
        when = ack.ts.astimezone().strftime("%H:%M:%S")
        verdict = "acknowledged" if ack.ok else "refused"
        detail = f" ({ack.detail})" if ack.detail else ""
        label.setStyleSheet(f"color: {'#2e7d32' if ack.ok else '#c62828'}")
        mark = "✓" if ack.ok else "✗"
        label.setText(f"{mark} {ack.command} {verdict} by {ack.device_id} at {when}{detail}")

    def _failed(self, label: QLabel, what: str) -> Callable[[Exception], None]:
        def show(exc: Exception) -> None:
            self._set_busy(False)
            self._show_error(label, f"{what}: {exc}")

        return show

    @staticmethod
    def _show_error(label: QLabel, text: str) -> None:
        label.setStyleSheet("color: #c62828")
        label.setText(text)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)
