"""VideoWallWidget: an n x n grid of camera tiles, one tile maximised on demand."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from console.video_wall.camera_tile import CameraTileWidget
from engine.domain import CameraStatus, FrameResult

LAYOUTS = (1, 2, 3, 4)  # tiles per side: 1x1, 2x2, 3x3, 4x4


class VideoWallWidget(QWidget):
    """Owns the tiles and which camera each shows. `cameras_changed` carries the set of camera
    ids on screen, so the owner subscribes to exactly those cameras' frames."""

    cameras_changed = Signal(object)  # set[str]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(2)
        self.side = 2
        self.maximised: CameraTileWidget | None = None
        self._all: list[CameraTileWidget] = []
        self._names: dict[str, str] = {}
        self.set_side(2)

    # layout ---------------------------------------------------------------------------------
    @property
    def tiles(self) -> list[CameraTileWidget]:
        """The tiles of the current layout, row by row."""
        return self._all[: self.side * self.side]

    def set_side(self, side: int) -> None:
        """Switch to a side x side layout; cameras keep their tiles, extra tiles are hidden."""
        if side not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS} tiles per side")
        while len(self._all) < side * side:
            tile = CameraTileWidget()
            tile.double_clicked.connect(lambda t=tile: self.toggle_maximised(t))
            tile.camera_dropped.connect(lambda cid, t=tile: self.assign(t, cid))
            self._all.append(tile)
        self.side = side
        self.maximised = None
        for tile in self._all:
            self._grid.removeWidget(tile)
            tile.hide()
        for i, tile in enumerate(self.tiles):
            self._grid.addWidget(tile, i // side, i % side)
            tile.show()
        self._announce()

    def toggle_maximised(self, tile: CameraTileWidget) -> None:
        """Double-click: one tile fills the wall; again: the layout comes back."""
        if self.maximised is None:
            self.maximised = tile
            for other in self.tiles:
                other.setVisible(other is tile)
        else:
            self.maximised = None
            for other in self.tiles:
                other.show()

    # cameras --------------------------------------------------------------------------------
    def set_camera_name(self, camera_id: str, name: str) -> None:
        self._names[camera_id] = name

    def assign(self, tile: CameraTileWidget, camera_id: str | None) -> None:
        tile.assign(camera_id, self._names.get(camera_id or "", ""))
        self._announce()

    def place(self, camera_id: str) -> CameraTileWidget | None:
        """Put a camera in the first empty tile of the layout, if there is one."""
        for tile in self.tiles:
            if tile.camera_id is None:
                self.assign(tile, camera_id)
                return tile
        return None

    def tiles_of(self, camera_id: str) -> list[CameraTileWidget]:
        return [t for t in self.tiles if t.camera_id == camera_id]

    def shown_cameras(self) -> set[str]:
        return {t.camera_id for t in self.tiles if t.camera_id is not None}

    def show_result(self, camera_id: str, result: FrameResult) -> None:
        for tile in self.tiles_of(camera_id):
            tile.show_result(result)

    def set_status(self, status: CameraStatus) -> None:
        for tile in self.tiles_of(status.camera_id):
            tile.set_status(status)

    def _announce(self) -> None:
        self.cameras_changed.emit(self.shown_cameras())
