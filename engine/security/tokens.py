"""Login tokens: HS256 JWTs with an expiry, and the secret they are signed with."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
# RFC 7518 asks for an HS256 key at least as long as the hash output.
MIN_SECRET_BYTES = 32


class InvalidToken(Exception):
    """The token is missing, malformed, forged, of another algorithm or expired."""


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: the user's id and name, and when it expires (epoch seconds)."""

    user_id: str
    name: str
    expires_at: float


class JwtCodec:
    """Issues and checks tokens. `clock` returns epoch seconds (tests pass their own)."""

    def __init__(
        self, secret: str, expiry_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._expiry_s = expiry_s
        self._clock = clock

    def issue(self, user_id: str, name: str) -> tuple[str, float]:
        """A signed token for this user and its expiry time (epoch seconds)."""
        now = self._clock()
        expires = now + self._expiry_s
        claims = {"sub": user_id, "name": name, "iat": int(now), "exp": int(expires)}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), float(int(expires))

    def decode(self, token: str) -> TokenClaims:
        """The claims of a valid token; raises InvalidToken otherwise. Only HS256 is accepted,
        so `alg: none` and algorithm-confusion tokens fail."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from None
        # Expiry checked against our clock (not PyJWT's), so tests can move time.
        if float(claims["exp"]) <= self._clock():
            raise InvalidToken("expired")
        return TokenClaims(str(claims["sub"]), str(claims.get("name", "")), float(claims["exp"]))


def resolve_jwt_secret(configured: str | None, *, dev: bool) -> str:
    """The configured JWT_SECRET; with `dev` and none configured, a random per-process secret
    (tokens die with the process). Without either the server must not start."""
    if configured:
        return configured
    if dev:
        log.warning("no JWT_SECRET: using a random per-process secret (dev mode)")
        return secrets.token_urlsafe(48)
    raise ValueError("JWT_SECRET is not set (set it, or use the dev flag for a random one)")
