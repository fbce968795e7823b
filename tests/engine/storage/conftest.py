"""Storage fixtures: an opened Database on each backend, repositories, a blob store, events."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.domain import Event, EventKind
from engine.storage import BlobStore, Database, EventRepository

from .helpers import T0


@pytest.fixture
def events_repo(db: Database) -> EventRepository:
    return EventRepository(db)


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


@pytest.fixture
def make_event() -> Callable[..., Event]:
    """Builds distinct events: the n-th is n seconds after T0, with awkward float values."""
    counter = itertools.count()

    def make(**overrides: Any) -> Event:
        n = next(counter)
        fields: dict[str, Any] = {
            "camera_id": "cam-a",
            "kind": EventKind.ENTERED,
            "track_id": n,
            "class_name": "car",
            "class_id": 2,
            "score": 0.1 + 0.2,  # 0.30000000000000004: not representable as float4
            "box": (1 / 3, 2 / 3, 640.123456789012, 359.99999999999994),
            "timestamp": T0 + timedelta(seconds=n),
            "pts": n / 7,
        }
        fields.update(overrides)
        return Event(**fields)

    return make
