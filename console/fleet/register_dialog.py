"""RegisterDeviceDialog asks for a new device; CredentialsDialog shows its secrets, once."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.domain import DeviceCredentials

KINDS = ("esp32", "jetson", "camera", "other")


class RegisterDeviceDialog(QDialog):
    """A device id (as in its topics), its kind and an optional location."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register device")
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("stop-0004")
        self.kind_box = QComboBox()
        self.kind_box.addItems(KINDS)
        self.location_edit = QLineEdit()
        self.location_edit.setMaxLength(64)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Device id", self.id_edit)
        form.addRow("Kind", self.kind_box)
        form.addRow("Location", self.location_edit)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str | None]:
        """(device id, kind, location or None)."""
        location = self.location_edit.text().strip() or None
        return self.id_edit.text().strip(), self.kind_box.currentText(), location


class CredentialsDialog(QDialog):
    """The new device's key and MQTT login; they are not stored in clear, so not shown again."""

    def __init__(self, credentials: DeviceCredentials, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Credentials of {credentials.device_id}")
        lines = [
            f"device_id      {credentials.device_id}",
            f"x-api-key      {credentials.key}",
        ]
        if credentials.mqtt_password:
            lines += [
                f"mqtt username  {credentials.mqtt_username}",
                f"mqtt password  {credentials.mqtt_password}",
            ]
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setMinimumWidth(560)
        self.text.setFixedHeight(100)
        warning = QLabel(
            "Copy these now: they are shown this once. Lost credentials mean revoking the "
            "device and registering it again."
        )
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #e65100")
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
