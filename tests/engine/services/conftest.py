from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.services.helpers import World, make_world


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """Services over a fresh database (SQLite, then PostgreSQL) with one user per role."""
    built = make_world(database_url, tmp_path)
    try:
        yield built
    finally:
        built.close()
