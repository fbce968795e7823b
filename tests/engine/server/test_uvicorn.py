"""A real uvicorn server on port 0: log in over HTTP and use the token."""

from __future__ import annotations

from pathlib import Path

import httpx

from engine.server import create_app
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, make_world


def test_login_over_real_http(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    app = create_app(world.services, make_settings(tmp_path))
    try:
        with (
            running(app) as port,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
        ):
            assert http.get("/events").status_code == 401
            login = http.post("/auth/login", json={"name": "supervisor", "password": PASSWORD})
            assert login.status_code == 200
            token = login.json()["access_token"]
            me = http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert (me.status_code, me.json()["role"]) == (200, "supervisor")
            events = http.get("/events", headers={"Authorization": f"Bearer {token}"})
            assert len(events.json()) == 4
        rows = world.services.audit_log.entries(action="auth.login")
        assert [(r.actor, r.remote) for r in rows] == [("user:supervisor", "127.0.0.1")]
    finally:
        world.close()
