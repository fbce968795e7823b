"""SnapshotViewWidget: an event's stored snapshot with the event's box drawn on it (a plate
event's also its plate box and text)."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.events.event_model import plate_text
from console.picture import BACKGROUND, paint_caption, paint_fitted, paint_message
from engine.domain import Event


class SnapshotViewWidget(QWidget):
    """Shows one snapshot (a whole frame, JPEG) scaled to fit, the event's box in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.shown_event: Event | None = None
        self.message = "click an event to see its snapshot"

    def show_snapshot(self, event: Event, jpeg: bytes | None) -> None:
        image = QImage.fromData(jpeg) if jpeg else QImage()
        self.shown_event = event
        self.image = None if image.isNull() else image
        self.message = "" if self.image is not None else "no snapshot for this event"
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.image is None or self.shown_event is None:
            paint_message(painter, self.rect(), self.message)
            return
        target, scale = paint_fitted(painter, self.rect(), self.image)
        event = self.shown_event
        boxes = [(event.box, "#ef5350")]
        if event.plate is not None and event.plate.box is not None:
            boxes.append((event.plate.box, "#fff59d"))
        for (x1, y1, x2, y2), colour in boxes:
            painter.setPen(QPen(QColor(colour), 2))
            painter.drawRect(
                QRectF(
                    target.x() + x1 * scale,
                    target.y() + y1 * scale,
                    (x2 - x1) * scale,
                    (y2 - y1) * scale,
                )
            )
        caption = f"{event.kind.value} {event.class_name} #{event.track_id}"
        if plate_text(event):
            caption += f"  plate {plate_text(event)}"
        paint_caption(painter, 0, 0, self.width(), caption)
