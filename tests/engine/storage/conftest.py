"""Storage fixtures: an opened Database on each backend, repositories, a blob store on each
backend (disk, and S3 through moto's real HTTP server), events."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.domain import Event, EventKind
from engine.storage import BlobStore, Database, EventRepository
from engine.storage.blobs import BlobStorage
from engine.storage.s3_blobs import S3BlobStore
from tests.s3 import MotoS3

from .helpers import T0


@pytest.fixture
def events_repo(db: Database) -> EventRepository:
    return EventRepository(db)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()


@pytest.fixture(params=["disk", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """The same test on both blob backends: a folder, then a fresh bucket (under a prefix)."""
    if request.param == "disk":
        return BlobStore(tmp_path / "blobs")
    s3: MotoS3 = request.getfixturevalue("moto_s3")
    return S3BlobStore(s3.client(), s3.new_bucket(), "sentinel/blobs")


@pytest.fixture
def disk_blobs(tmp_path: Path) -> BlobStore:
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
