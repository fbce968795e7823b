"""DeviceSnapshotWidget: a device's latest camera image (what its last capture uploaded), scaled
to fit, with when it was taken."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.picture import BACKGROUND, paint_caption, paint_fitted, paint_message
from engine.domain import DeviceSnapshot

NO_PICTURE = "No picture yet: Capture asks the device for one."


class DeviceSnapshotWidget(QWidget):
    """`show_snapshot(snapshot)` shows it (None: the device has none); `shown` is what is on
    screen, None while a message is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 135)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.shown: DeviceSnapshot | None = None
        self._image: QImage | None = None
        self.message = NO_PICTURE

    def show_snapshot(self, snapshot: DeviceSnapshot | None) -> None:
        image = QImage.fromData(snapshot.data) if snapshot is not None else QImage()
        if snapshot is not None and image.isNull():
            self.shown, self._image = None, None
            self.message = f"{snapshot.filename} is not an image this console can show"
        else:
            self.shown = snapshot
            self._image = None if image.isNull() else image
            self.message = NO_PICTURE
        self.update()

    def clear(self, message: str = NO_PICTURE) -> None:
        self.shown, self._image, self.message = None, None, message
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is None or self.shown is None:
            paint_message(painter, self.rect(), self.message)
            return
        target, _scale = paint_fitted(painter, self.rect(), self._image)
        when = self.shown.uploaded_at.astimezone().strftime("%H:%M:%S")
        caption = f"captured {when} · {self._image.width()}×{self._image.height()}"
        paint_caption(painter, target.x(), target.y(), target.width(), caption)
