"""Blob keys: how every blob store names what it keeps, and which names it refuses.

A key is a relative POSIX path such as `snapshots/<camera>/<yyyy>/<mm>/<dd>/<uuid>.jpg`. The
same rules hold on every backend: on disk a key must not leave the root folder, in S3 it must
not leave the store's prefix (other data may share the bucket)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import PurePosixPath

_SUFFIX = re.compile(r"^(\.[A-Za-z0-9]{1,10})?$")
TMP_PREFIX = ".tmp-"  # the disk store's half-written files; never a key


def new_key(prefix: str, suffix: str = ".jpg", when: datetime | None = None) -> str:
    """`<prefix>/<yyyy>/<mm>/<dd>/<uuid><suffix>` (date of `when`, UTC, default now);
    ValueError for a prefix or suffix that would make an unsafe key."""
    if not _SUFFIX.match(suffix):
        raise ValueError(f"bad blob suffix {suffix!r}")
    day = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    key = f"{prefix.strip('/')}/{day:%Y/%m/%d}/{uuid.uuid4().hex}{suffix}"
    check_key(key)
    return key


def check_key(key: str) -> tuple[str, ...]:
    """The key's path parts; ValueError for a key that is empty, absolute, has `.`/`..` or
    empty parts, backslashes, NUL, or names a temporary file."""
    if not key or "\\" in key or "\x00" in key:
        raise ValueError(f"bad blob key {key!r}")
    path = PurePosixPath(key)
    parts = path.parts
    # PurePosixPath drops empty and "." parts: compare with the raw split to see them.
    if path.is_absolute() or any(p in ("", ".", "..") for p in key.split("/")):
        raise ValueError(f"blob key escapes the store: {key!r}")
    if parts[-1].startswith(TMP_PREFIX):
        raise ValueError(f"bad blob key {key!r}")
    return parts
