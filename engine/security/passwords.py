"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# A hash of a random password, verified against when the user does not exist, so a login for an
# unknown name costs the same time as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("sentinel-no-such-user")


def hash_password(password: str) -> str:
    """The encoded Argon2id hash (salt and parameters included) of `password`."""
    if not password:
        raise ValueError("password must not be empty")
    return _hasher.hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """True when `password` matches `encoded`; a None hash still spends the time of one check."""
    try:
        return _hasher.verify(encoded or _DUMMY_HASH, password) and encoded is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """True when `encoded` was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(encoded)
