"""CameraTileWidget: one camera's live picture with its boxes, or its connection state."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QMimeData, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.video_wall.overlay import PlateLabel, TrailBook, paint_detections
from engine.domain import CameraState, CameraStatus, FrameResult

# Drag-and-drop payload: a camera id (the camera list sets it, a tile accepts it).
CAMERA_MIME = "application/x-sentinel-camera"


def to_qimage(image: np.ndarray) -> QImage:
    """BGR uint8 array -> QImage sharing nothing with the array (it may be reused)."""
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
    return qimage.copy()


def camera_mime(camera_id: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(CAMERA_MIME, camera_id.encode())
    return mime


class CameraTileWidget(QWidget):
    """Paints only on the GUI thread, from the latest FrameResult handed to `show_result`.

    `painted` carries the pts of the frame each paint drew, so tests and benchmarks can count
    distinct frames shown and check what was drawn on which frame; `plate_labels` are the
    plate reads the last paint drew; `frames_received` and `paint_s` (seconds spent converting
    and painting) are for benchmarks.
    """

    painted = Signal(float)
    double_clicked = Signal()
    camera_dropped = Signal(str)  # camera id dropped onto this tile

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.camera_id: str | None = None
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAcceptDrops(True)
        self._result: FrameResult | None = None
        self._image: QImage | None = None
        self._status: CameraStatus | None = None
        self._retry_at: float | None = None  # monotonic deadline of the next attempt
        self._trails = TrailBook()
        self._countdown = QTimer(self, interval=250, timeout=self.update)
        self.frames_shown = 0
        self.frames_received = 0
        self.paint_s = 0.0
        self.last_pts: float | None = None
        self.plate_labels: list[PlateLabel] = []

    # what is shown --------------------------------------------------------------------------
    def assign(self, camera_id: str | None, title: str = "") -> None:
        """Show another camera (None: an empty tile); forgets the previous picture."""
        self.camera_id, self.title = camera_id, title
        self._result = self._image = self._status = None
        self._retry_at = None
        self._countdown.stop()
        self._trails.clear()
        self.plate_labels = []
        self.update()

    def show_result(self, result: FrameResult) -> None:
        t0 = time.perf_counter()
        self.frames_received += 1
        if result.frame.discontinuity:
            self._trails.clear()
        self._result = result
        self._image = to_qimage(result.frame.image)
        self._trails.add(result)
        self.update()
        self.paint_s += time.perf_counter() - t0

    def set_status(self, status: CameraStatus) -> None:
        self._status = status
        waiting = status.retry_in_s is not None and status.state is not CameraState.LIVE
        self._retry_at = time.monotonic() + status.retry_in_s if waiting else None
        if waiting:
            self._countdown.start()
        else:
            self._countdown.stop()
        self.update()

    @property
    def shown_result(self) -> FrameResult | None:
        return self._result

    @property
    def state_text(self) -> str:
        """The connection line the tile shows ('' while live)."""
        status = self._status
        if status is None or status.state is CameraState.LIVE:
            return ""
        text = status.state.value
        if self._retry_at is not None:
            text += f", retry in {max(0.0, self._retry_at - time.monotonic()):.0f} s"
        return text

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: fitted, aspect kept, centred."""
        if self._image is None:
            return QRectF(self.rect())
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    # painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        t0 = time.perf_counter()
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#101418"))
        shown: float | None = None
        plates: list[PlateLabel] = []
        if self._image is not None and self._result is not None:
            target = self.picture_rect()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            plates = paint_detections(painter, target, self._result, self._trails)
            shown = self._result.frame.pts
            if self.last_pts != shown:
                self.frames_shown += 1
                self.last_pts = shown
        self.plate_labels = plates
        self._paint_caption(painter)
        self._paint_state(painter)
        painter.end()
        self.paint_s += time.perf_counter() - t0
        if shown is not None:
            self.painted.emit(shown)

    def _paint_caption(self, painter: QPainter) -> None:
        text = self.title or ("drop a camera here" if self.camera_id is None else "")
        if not text:
            return
        painter.fillRect(QRectF(0, 0, self.width(), 20), QColor(0, 0, 0, 150))
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(6, 2, self.width() - 12, 18), Qt.AlignmentFlag.AlignLeft, text)

    def _paint_state(self, painter: QPainter) -> None:
        """A camera that is not live says so in the middle of its tile, with the countdown."""
        state = self.state_text
        if not state:
            return
        message = self._status.message if self._status is not None else ""
        font = QFont()
        font.setPixelSize(16)
        painter.setFont(font)
        band = QRectF(0, self.height() / 2 - 30, self.width(), 60)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        painter.setPen(QColor("#ffca28"))
        lines = state + (f"\n{message}" if message else "")
        painter.drawText(band, Qt.AlignmentFlag.AlignCenter, lines)

    # interaction ----------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.double_clicked.emit()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasFormat(CAMERA_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        data = event.mimeData()
        if data.hasFormat(CAMERA_MIME):
            self.camera_dropped.emit(bytes(data.data(CAMERA_MIME)).decode())
            event.acceptProposedAction()
