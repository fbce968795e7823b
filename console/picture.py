"""Painting a still picture (an event snapshot, a device capture) scaled to fit a widget."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

BACKGROUND = QColor("#101418")


def paint_fitted(painter: QPainter, area: QRect, image: QImage) -> tuple[QRectF, float]:
    """Draw `image` centred in `area` at the largest scale that fits; where it went and the
    scale, for drawing on top of it in the image's pixels."""
    iw, ih = image.width(), image.height()
    scale = min(area.width() / iw, area.height() / ih)
    target = QRectF(
        area.x() + (area.width() - iw * scale) / 2,
        area.y() + (area.height() - ih * scale) / 2,
        iw * scale,
        ih * scale,
    )
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(target, image)
    return target, scale


def paint_message(painter: QPainter, area: QRect, message: str) -> None:
    """Grey text centred where no picture is."""
    painter.setPen(QColor("#9e9e9e"))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, message)


def paint_caption(painter: QPainter, left: float, top: float, width: float, text: str) -> None:
    """A one-line caption on a dark strip, readable over any picture."""
    painter.fillRect(QRectF(left, top, width, 20), QColor(0, 0, 0, 150))
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(left + 6, top + 2, width - 12, 18), Qt.AlignmentFlag.AlignLeft, text)
