from __future__ import annotations

from pathlib import Path

import pytest

from engine.alpr.reader import PlateReader
from tests.engine.alpr.clip import write_moving_plate_clip


@pytest.fixture(scope="session")
def plate_reader() -> PlateReader:
    return PlateReader()


@pytest.fixture(scope="session")
def moving_plate_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_moving_plate_clip(tmp_path_factory.mktemp("alpr") / "moving_plate.mp4")
