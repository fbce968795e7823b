"""Per-client rate limits: a token bucket per client, 429 with Retry-After beyond it.

A client is the user of a login token whose signature checks (no database call), else the
client address (anonymous callers, device keys, bad tokens: a forged token buys no fresh
bucket). /health and /metrics are exempt so monitoring never trips it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.config.settings import ServerSettings

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]
EXEMPT = frozenset({"/health", "/metrics"})
_BODY = json.dumps({"detail": "too many requests"}).encode()


@dataclass
class TokenBucket:
    """`tokens` left at time `at` (monotonic seconds)."""

    tokens: float
    at: float


class RateLimiter:
    """Token buckets by client key. Buckets that have refilled completely are forgotten when
    the table grows past `max_clients`, so memory stays bounded."""

    def __init__(
        self,
        per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.per_s = per_s
        self.burst = burst
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, TokenBucket] = {}

    def acquire(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it would."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_clients:
                self._forget_full(now)
            bucket = self._buckets[key] = TokenBucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_s)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.per_s

    def _forget_full(self, now: float) -> None:
        full_after = self.burst / self.per_s
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < full_after}


class RateLimitMiddleware:
    """ASGI middleware (HTTP only; WebSocket handshakes pass: a stream is one long request).
    `identify(scope)` names the verified user of the request's token, or None."""

    def __init__(
        self,
        app: ASGIApp,
        settings: ServerSettings,
        identify: Callable[[Scope], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self._identify = identify
        enabled = settings.rate_limit_per_s > 0
        self._limiter = (
            RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst, clock)
            if enabled
            else None
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self._limiter is None or scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self._limiter.acquire(self._client_key(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_BODY)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": _BODY})

    def _client_key(self, scope: Scope) -> str:
        user = self._identify(scope)
        if user is not None:
            return f"user:{user}"
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"


def bearer_subject(token_subject: Callable[[str], str | None]) -> Callable[[Scope], str | None]:
    """An `identify` that reads `Authorization: Bearer` and asks `token_subject` for its user."""

    def identify(scope: Scope) -> str | None:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    return token_subject(token.strip())
        return None

    return identify


def install_rate_limit(app: Any, services: Any, settings: Any | None) -> None:
    """Add the middleware to a FastAPI `app` with the settings' limits (defaults without)."""
    limits = settings.server if settings is not None else ServerSettings()
    app.add_middleware(
        RateLimitMiddleware, settings=limits, identify=bearer_subject(services.users.token_subject)
    )
