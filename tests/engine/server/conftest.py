from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from engine.security.tokens import JwtCodec
from engine.server import create_app
from tests.engine.services.helpers import (
    JWT_SECRET,
    PASSWORD,
    ROLES,
    World,
    make_settings,
    make_world,
)


@dataclass
class Served:
    """A TestClient on create_app over a SQLite world, with a token per role and credentials
    of every bad kind."""

    world: World
    client: TestClient
    tokens: dict[str, str]
    device_key: str
    revoked_key: str
    expired_jwt: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("server")
    world = make_world(f"sqlite:///{tmp / 'sentinel.db'}", tmp)
    client = TestClient(create_app(world.services, make_settings(tmp)))
    tokens = {}
    for name in [*ROLES, "operator-b"]:
        answer = client.post("/auth/login", json={"name": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        tokens[name] = answer.json()["access_token"]
    installer = world.principal("installer")
    device_key = world.services.device_keys.issue(installer, "pole-1").token
    revoked = world.services.device_keys.issue(installer, "pole-2")
    world.services.device_keys.revoke(installer, str(revoked.id))
    admin_id = str(world.services.users._users.get_by_name("admin").id)  # type: ignore[union-attr]
    expired, _ = JwtCodec(JWT_SECRET, 60, clock=lambda: 1_000_000.0).issue(admin_id, "admin")
    try:
        yield Served(world, client, tokens, device_key, revoked.token, expired)
    finally:
        client.close()
        world.close()
