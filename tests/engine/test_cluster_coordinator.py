"""ClusterCoordinator rounds, driven one at a time on two real engines sharing one database:
fair shares, a camera added through one engine's API is leased by it, a removed camera is
dropped by its holder, and an engine that leaves hands its cameras over at once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.assembly import EngineParts, open_engine
from engine.cluster import ClusterCoordinator
from engine.config.settings import ClusterSettings
from engine.domain import Camera
from engine.storage.repos.leases import LeaseRepository
from tests.engine.services.helpers import make_settings


def closed_port_camera(name: str) -> Camera:
    """A camera that costs nothing to run: its address refuses connections (it retries)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return Camera(name=name, source=f"rtsp://127.0.0.1:{port}/{name}")


@pytest.fixture
def cluster(
    database_url: str, tmp_path: Path
) -> Iterator[list[tuple[EngineParts, ClusterCoordinator]]]:
    """Two engines on one database, each with a coordinator whose rounds the test runs."""
    members = []
    for name in ("a", "b"):
        settings = make_settings(tmp_path / name, DATABASE_URL=database_url)
        parts = open_engine(settings)
        coordinator = ClusterCoordinator(
            LeaseRepository(parts.database), parts.core, ClusterSettings(enabled=True)
        )
        members.append((parts, coordinator))
    yield members
    for parts, coordinator in members:
        coordinator.close()
        parts.close()


def holders(parts: EngineParts) -> dict[str, str]:
    """Engine id by camera id, as the database has it."""
    return {cid: lease.engine_id for cid, lease in LeaseRepository(parts.database).leases().items()}


def test_rounds_share_adopt_added_drop_removed_and_hand_over(
    cluster: list[tuple[EngineParts, ClusterCoordinator]],
) -> None:
    (a, ca), (b, cb) = cluster
    saved = [a.core.cameras_repo.add(closed_port_camera(f"cam{i}")) for i in range(2)]
    ca.tick()  # alone: takes both
    assert a.core.running_cameras() == {str(c.id) for c in saved}
    cb.tick()  # two engines now, share 1; nothing is free yet
    ca.tick()  # above its share: releases one
    cb.tick()  # claims it
    assert len(a.core.running_cameras()) == len(b.core.running_cameras()) == 1
    assert a.core.running_cameras().isdisjoint(b.core.running_cameras())

    added = a.core.add_camera(closed_port_camera("added"))  # through a's API: starts on a
    ca.tick()
    assert holders(a)[str(added.id)] == ca.engine_id
    assert str(added.id) in a.core.running_cameras()

    on_b = next(iter(b.core.running_cameras()))
    a.core.remove_camera(on_b)  # removed through a; b runs it
    cb.tick()
    assert on_b not in b.core.running_cameras() and on_b not in holders(b)

    ca.close()  # a leaves (a clean shutdown): its leases are freed at once
    cb.tick()
    left = {str(c.id) for c in a.core.cameras_repo.list()}
    assert b.core.running_cameras() == left == set(holders(b))
    assert set(holders(b).values()) == {cb.engine_id}
