"""CameraTileWidget: one camera's live picture with its boxes, or its connection state."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.video_wall.overlay import TrailBook, paint_detections
from engine.domain import CameraState, CameraStatus, FrameResult


def to_qimage(image: np.ndarray) -> QImage:
    """BGR uint8 array -> QImage sharing nothing with the array (it may be reused)."""
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
    return qimage.copy()


class CameraTileWidget(QWidget):
    """Paints only on the GUI thread, from the latest FrameResult handed to `show_result`."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._result: FrameResult | None = None
        self._image: QImage | None = None
        self._status: CameraStatus | None = None
        self._trails = TrailBook()
        self.frames_shown = 0
        self.last_pts: float | None = None

    def show_result(self, result: FrameResult) -> None:
        if result.frame.discontinuity:
            self._trails.clear()
        self._result = result
        self._image = to_qimage(result.frame.image)
        self._trails.add(result)
        self.update()

    def set_status(self, status: CameraStatus) -> None:
        self._status = status
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: fitted, aspect kept, centred."""
        if self._image is None:
            return QRectF(self.rect())
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#101418"))
        if self._image is not None and self._result is not None:
            target = self.picture_rect()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_detections(painter, target, self._result, self._trails)
            if self.last_pts != self._result.frame.pts:
                self.frames_shown += 1
                self.last_pts = self._result.frame.pts
        self._paint_caption(painter)
        painter.end()

    def _paint_caption(self, painter: QPainter) -> None:
        text = self.title
        status = self._status
        if status is not None and status.state is not CameraState.LIVE:
            text += f"  [{status.state.value}]"
            if status.retry_in_s is not None:
                text += f" retry in {status.retry_in_s:.0f} s"
            if status.message:
                text += f"\n{status.message}"
        if not text:
            return
        painter.setPen(QColor("white"))
        painter.fillRect(
            QRectF(0, 0, self.width(), 20 if "\n" not in text else 38), QColor(0, 0, 0, 150)
        )
        painter.drawText(QRectF(6, 2, self.width() - 12, 36), Qt.AlignmentFlag.AlignLeft, text)
