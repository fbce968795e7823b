"""SensorChartsWidget: one pyqtgraph chart per sensor kind of a device, with its latest value."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.domain import Reading
from engine.domain.device import SENSOR_KINDS

TITLES = {"temperature": "Temperature", "humidity": "Humidity", "ultrasonic": "Distance"}
UNITS = {"temperature": "°C", "humidity": "%", "ultrasonic": "cm"}
COLOURS = {"temperature": "#e65100", "humidity": "#1565c0", "ultrasonic": "#2e7d32"}


class SensorChartsWidget(QWidget):
    """`show_readings(kind, readings)` redraws one chart (time axis in local time)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.latest: dict[str, QLabel] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._counts: dict[str, int] = {}
        values = QGridLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(values)
        for column, kind in enumerate(SENSOR_KINDS):
            caption = QLabel(TITLES[kind])
            caption.setStyleSheet("color: #616161")
            value = QLabel("–")
            value.setStyleSheet(f"font-size: 20px; font-weight: 600; color: {COLOURS[kind]}")
            values.addWidget(caption, 0, column)
            values.addWidget(value, 1, column)
            self.latest[kind] = value
            plot = pg.PlotWidget(background="w", axisItems={"bottom": pg.DateAxisItem()})
            plot.setMinimumHeight(110)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("left", UNITS[kind])
            plot.setTitle(f"{TITLES[kind]} ({UNITS[kind]})", color="#424242", size="10pt")
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            self._curves[kind] = plot.plot(pen=pg.mkPen(COLOURS[kind], width=2))
            self.plots[kind] = plot
            layout.addWidget(plot, 1)

    def show_readings(
        self, kind: str, readings: list[Reading], window: tuple[float, float] | None = None
    ) -> None:
        """Draw `readings`; `window` (epoch seconds) fixes the time axis so the chart scrolls."""
        points = sorted((r.ts.timestamp(), r.value) for r in readings if r.value is not None)
        self._counts[kind] = len(points)
        self._curves[kind].setData([t for t, _ in points], [v for _, v in points])
        if window is not None:
            self.plots[kind].setXRange(*window, padding=0)
        self.latest[kind].setText(f"{points[-1][1]:.1f} {UNITS[kind]}" if points else "–")

    def clear(self) -> None:
        for kind in SENSOR_KINDS:
            self.show_readings(kind, [])

    def points(self, kind: str) -> int:
        """How many points the chart of `kind` shows."""
        return self._counts.get(kind, 0)
