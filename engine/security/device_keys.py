"""Device key tokens: `snk_<prefix>_<secret>`, 32 random bytes shown once, stored as SHA-256.

The prefix is a public id used to find the row in one indexed lookup; only the SHA-256 of the
whole token is stored, so a database leak reveals no usable key. SHA-256 (not a slow KDF) is
right here because the secret part is 256 random bits, not a guessable password."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_TOKEN = re.compile(r"^snk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewDeviceKey:
    """A freshly made key: `token` goes to the device once; `prefix` and `digest` are stored."""

    token: str
    prefix: str
    digest: str


def new_device_key() -> NewDeviceKey:
    prefix = secrets.token_hex(6)
    token = f"snk_{prefix}_{secrets.token_urlsafe(32)}"
    return NewDeviceKey(token=token, prefix=prefix, digest=digest_of(token))


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed token, None for anything else."""
    match = _TOKEN.match(token)
    return match.group(1) if match else None


def digest_matches(token: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest_of(token), stored_digest)
