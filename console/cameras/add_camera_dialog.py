"""AddCameraDialog: a name and a source (video file or RTSP URL)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from engine.domain import Camera

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://")


def source_problem(source: str) -> str:
    """Why `source` cannot be a camera ('' when it can)."""
    if not source:
        return "enter a file path or an RTSP URL"
    if source.startswith(STREAM_SCHEMES):
        return ""
    if not Path(source).is_file():
        return f"no such file: {source}"
    return ""


class AddCameraDialog(QDialog):
    """Asks for a camera; `camera()` builds it once the dialog is accepted. With several
    `sites` connected it also asks which site's engine runs it."""

    def __init__(self, parent: QWidget | None = None, sites: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add camera")
        self.site_combo = QComboBox()
        self.site_combo.addItems(list(sites))
        self.name_edit = QLineEdit()
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("/path/to/video.mp4 or rtsp://host:554/stream")
        self.loop_check = QCheckBox("loop a file (play it like a live camera)")
        self.loop_check.setChecked(True)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #ef5350")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit)
        source_row.addWidget(browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        if len(sites) > 1:
            form.addRow("Site", self.site_combo)
        form.addRow("Name", self.name_edit)
        form.addRow("Source", source_row)
        form.addRow("", self.loop_check)
        form.addRow(self.error_label)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Video file", "", "Video (*.mp4 *.mkv *.avi)")
        if path:
            self.source_edit.setText(path)

    def accept(self) -> None:
        problem = source_problem(self.source_edit.text().strip())
        if problem:
            self.error_label.setText(problem)
            return
        super().accept()

    def camera(self) -> Camera:
        source = self.source_edit.text().strip()
        name = self.name_edit.text().strip() or Path(source.rstrip("/")).stem or source
        is_file = not source.startswith(STREAM_SCHEMES)
        loop = is_file and self.loop_check.isChecked()
        if self.site_combo.count() > 1:  # the engine of that site runs it
            return Camera(name=name, source=source, loop=loop, site=self.site_combo.currentText())
        return Camera(name=name, source=source, loop=loop)
