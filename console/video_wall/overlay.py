"""Drawing detections over a frame: class, score, track id and a short trail; predicted boxes
dashed so an operator can tell them from measurements. On ALPR cameras the track's current plate
read goes under its box, on predicted frames too (the read belongs to the track, not the frame).

Only the box outline uses the track's exact colour; the labels are text on a dark plate and the
trail is translucent. That reads well on any footage and lets tests find a box outline in
grabbed pixels by its colour alone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from engine.domain import FrameResult

PALETTE = [
    QColor("#00e676"),
    QColor("#29b6f6"),
    QColor("#ffca28"),
    QColor("#ef5350"),
    QColor("#ab47bc"),
    QColor("#26a69a"),
    QColor("#ff7043"),
    QColor("#d4e157"),
]
TRAIL_LENGTH = 20
PLATE_TEXT = QColor("#fff59d")  # pale yellow: never a palette colour, readable on the dark plate


@dataclass(frozen=True)
class PlateLabel:
    """A plate read as drawn: whose, what text, where (widget pixels)."""

    track_id: int
    text: str
    rect: QRectF


def track_colour(track_id: int) -> QColor:
    return PALETTE[track_id % len(PALETTE)] if track_id >= 0 else QColor("#bdbdbd")


class TrailBook:
    """Recent box centres per track, in source pixels."""

    def __init__(self) -> None:
        self._trails: dict[int, deque[tuple[float, float]]] = {}

    def add(self, result: FrameResult) -> None:
        det = result.detections
        for i in range(len(det)):
            tid = int(det.track_id[i])
            if tid < 0:
                continue
            x1, y1, x2, y2 = det.xyxy[i]
            self._trails.setdefault(tid, deque(maxlen=TRAIL_LENGTH)).append(
                ((x1 + x2) / 2, (y1 + y2) / 2)
            )
        live = {int(t) for t in det.track_id}
        for tid in [t for t in self._trails if t not in live]:
            del self._trails[tid]

    def clear(self) -> None:
        self._trails.clear()

    def get(self, track_id: int) -> list[tuple[float, float]]:
        return list(self._trails.get(track_id, ()))


def paint_detections(
    painter: QPainter, target: QRectF, result: FrameResult, trails: TrailBook | None = None
) -> list[PlateLabel]:
    """Paint boxes of `result` into `target`, the rectangle where the frame was drawn; answers
    the plate labels drawn under them."""
    frame = result.frame
    sx, sy = target.width() / frame.width, target.height() / frame.height
    det = result.detections
    font = QFont()
    font.setPixelSize(max(10, int(12 * min(1.0, target.width() / 640 + 0.3))))
    painter.setFont(font)
    plates: list[PlateLabel] = []
    for i in range(len(det)):
        x1, y1, x2, y2 = (float(v) for v in det.xyxy[i])
        rect = QRectF(target.x() + x1 * sx, target.y() + y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy)
        tid = int(det.track_id[i])
        colour = track_colour(tid)
        pen = QPen(colour, 2)
        if det.predicted[i]:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        if trails is not None and tid >= 0:
            points = [QPointF(target.x() + x * sx, target.y() + y * sy) for x, y in trails.get(tid)]
            trail = QColor(colour)
            trail.setAlpha(170)
            painter.setPen(QPen(trail, 1.5))
            painter.drawPolyline(points)
        name = result.class_names.get(int(det.class_id[i]), str(int(det.class_id[i])))
        label = f"{name} {det.score[i]:.2f}" + (f" #{tid}" if tid >= 0 else "")
        metrics = painter.fontMetrics()
        box = QRectF(
            rect.x(),
            rect.y() - metrics.height() - 4,  # clear of the 2 px outline
            metrics.horizontalAdvance(label) + 6,
            metrics.height() + 2,
        )
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(colour)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        plate = result.plates.get(tid) if tid >= 0 else None
        if plate:
            plates.append(PlateLabel(tid, plate, _paint_plate(painter, rect, target, plate)))
    return plates


def _paint_plate(painter: QPainter, box: QRectF, target: QRectF, text: str) -> QRectF:
    """The plate read under the box, centred on it, a bit larger and bold; kept inside the
    picture when the box reaches its bottom edge."""
    font = QFont(painter.font())
    font.setPixelSize(font.pixelSize() + 2)
    font.setBold(True)
    painter.save()
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width, height = metrics.horizontalAdvance(text) + 10, metrics.height() + 4
    top = min(box.bottom() + 3, target.bottom() - height)  # clear of the 2 px outline
    rect = QRectF(box.center().x() - width / 2, top, width, height)
    painter.fillRect(rect, QColor(0, 0, 0, 200))
    painter.setPen(PLATE_TEXT)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
    return rect
