"""JWTs: HS256 only, expiry on our clock, forged and alg-none tokens refused; secret rules."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from engine.security.tokens import InvalidToken, JwtCodec, resolve_jwt_secret

SECRET = "s" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_and_expiry() -> None:
    clock = Clock()
    codec = JwtCodec(SECRET, 60, clock)
    token, expires = codec.issue("id-1", "alice")
    assert codec.decode(token).user_id == "id-1" and expires == clock.now + 60
    clock.now += 61
    with pytest.raises(InvalidToken, match="expired"):
        codec.decode(token)


def _forged() -> dict[str, str]:
    claims = {"sub": "id-1", "name": "alice", "exp": 1_900_000_000}
    return {
        "wrong secret": jwt.encode(claims, "w" * 40, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "HS512": jwt.encode(claims, SECRET * 2, algorithm="HS512"),
        "no exp": jwt.encode({"sub": "id-1"}, SECRET, algorithm="HS256"),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("kind", list(_forged()))
def test_forged_tokens_are_refused(kind: str) -> None:
    with pytest.raises(InvalidToken):
        JwtCodec(SECRET, 60, Clock()).decode(_forged()[kind])


def test_secret_rules() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtCodec("short", 60)
    with pytest.raises(ValueError, match="JWT_SECRET"):
        resolve_jwt_secret(None, dev=False)
    assert resolve_jwt_secret("x" * 40, dev=False) == "x" * 40
    first, second = resolve_jwt_secret(None, dev=True), resolve_jwt_secret(None, dev=True)
    assert first != second and len(first) >= 32
