"""Building blocks of the fleet and image API tests: the real app over a fresh database (SQLite,
then PostgreSQL), a login per role, and device registration through the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.security.tokens import JwtCodec
from engine.server import create_app
from tests.engine.services.helpers import JWT_SECRET, ROLES, World, make_settings, make_world

FORBIDDEN = {"detail": "forbidden"}
NOT_FOUND = {"detail": "not found"}


@dataclass
class Fleet:
    world: World
    client: TestClient
    tokens: dict[str, str]

    def as_role(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def register(self, device_id: str, **fields: Any) -> dict[str, Any]:
        """Register through POST /register as the installer; the answer (with the key)."""
        body = {"device_id": device_id, **fields}
        answer = self.client.post("/register", json=body, headers=self.as_role("installer"))
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def devices(self) -> dict[str, dict[str, Any]]:
        answer = self.client.get("/devices", headers=self.as_role("supervisor"))
        assert answer.status_code == 200, answer.text
        return {d["device_id"]: d for d in answer.json()}


def key(registered: dict[str, Any]) -> dict[str, str]:
    return {"x-api-key": registered["key"]}


@pytest.fixture
def fleet(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    world = make_world(database_url, tmp_path)
    with TestClient(create_app(world.services, make_settings(tmp_path))) as client:
        # Tokens as /auth/login signs them (test_auth_matrix logs in for real), minus Argon2.
        codec = JwtCodec(JWT_SECRET, 3600)
        tokens = {}
        for role in ROLES:
            user = world.services.users._users.get_by_name(role)
            assert user is not None
            tokens[role] = codec.issue(str(user.id), role)[0]
        yield Fleet(world, client, tokens)
    world.close()
