"""Per-client rate limits: a burst goes through, the next request gets 429 with Retry-After;
other clients and /health, /metrics are not affected."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from engine.config.settings import ServerSettings
from engine.server import create_app
from engine.server.rate_limit import RateLimiter
from tests.engine.services.helpers import PASSWORD, make_settings, make_world


def test_429_with_retry_after_after_the_burst(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    limits = ServerSettings(rate_limit_per_s=0.01, rate_limit_burst=3)
    app = create_app(world.services, make_settings(tmp_path, server=limits))
    admin = world.services.users.login("admin", PASSWORD).access_token
    supervisor = world.services.users.login("supervisor", PASSWORD).access_token
    try:
        with TestClient(app) as http:
            as_admin = {"Authorization": f"Bearer {admin}"}
            assert [http.get("/auth/me", headers=as_admin).status_code for _ in range(3)] == [
                200
            ] * 3
            refused = http.get("/auth/me", headers=as_admin)
            assert refused.status_code == 429
            assert refused.json() == {"detail": "too many requests"}
            assert int(refused.headers["Retry-After"]) == 100  # one request per 100 s refills
            # Another user, the anonymous caller and monitoring have their own allowance.
            as_supervisor = {"Authorization": f"Bearer {supervisor}"}
            assert http.get("/auth/me", headers=as_supervisor).status_code == 200
            assert http.get("/events").status_code == 401
            assert http.get("/health").status_code == 200
            assert http.get("/metrics").status_code == 200
            # A forged token is no new identity: it spends the caller address's bucket.
            forged = {"Authorization": "Bearer forged.token.value"}
            assert [http.get("/events", headers=forged).status_code for _ in range(3)] == [
                401,
                401,
                429,
            ]
    finally:
        world.close()


def test_buckets_refill_at_the_configured_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_s=0.5, burst=2, clock=lambda: now[0])
    assert [limiter.acquire("user:a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.acquire("user:a") == 2.0  # half a request per second: 2 s to the next
    assert limiter.acquire("user:b") == 0.0
    now[0] = 2.0
    assert limiter.acquire("user:a") == 0.0
    assert limiter.acquire("user:a") == 2.0
