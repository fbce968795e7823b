"""BlobStore: snapshots and other binary evidence as files under one root directory."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

_SUFFIX = re.compile(r"^(\.[A-Za-z0-9]{1,10})?$")
_TMP_PREFIX = ".tmp-"


class BlobStore:
    """Local-disk blob store. Keys are relative POSIX paths such as
    `snapshots/<camera>/<yyyy>/<mm>/<dd>/<uuid>.jpg`; a key that would leave the root (absolute,
    `..`, backslashes, symlinks pointing out) raises ValueError. Writes are atomic: a reader sees
    a whole blob or none."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._resolved_root = self.root.resolve()

    def put(
        self, data: bytes, *, prefix: str, suffix: str = ".jpg", when: datetime | None = None
    ) -> str:
        """Store `data` under `<prefix>/<yyyy>/<mm>/<dd>/<uuid><suffix>` (date of `when`, UTC,
        default now) and return its key."""
        if not _SUFFIX.match(suffix):
            raise ValueError(f"bad blob suffix {suffix!r}")
        day = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
        key = f"{prefix.strip('/')}/{day:%Y/%m/%d}/{uuid.uuid4().hex}{suffix}"
        path = self._path(key)
        tmp = path.with_name(f"{_TMP_PREFIX}{path.name}")
        # Retention may remove an emptied day folder between mkdir and open: try again.
        for attempt in range(3):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())  # evidence must survive a power cut once keyed
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return key

    def read(self, key: str) -> bytes:
        """The blob's bytes; FileNotFoundError if there is none."""
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """Size in bytes; FileNotFoundError if there is no such blob."""
        return self._path(key).stat().st_size

    def delete(self, key: str) -> int:
        """Remove the blob; returns the bytes freed (0 if it was already gone). Emptied date
        folders are pruned so years of retention leave no empty trees behind."""
        path = self._path(key)
        try:
            freed = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        parent = path.parent
        while parent != self.root:
            try:
                parent.rmdir()
            except OSError:
                break  # not empty (or in use): stop pruning
            parent = parent.parent
        return freed

    def total_bytes(self) -> int:
        """Bytes of every file under the root, half-written temporaries included."""
        total = 0
        stack = [str(self.root)]
        while stack:
            # Retention may delete files and prune folders while we walk: gone means 0 bytes.
            with suppress(FileNotFoundError), os.scandir(stack.pop()) as entries:
                for entry in entries:
                    with suppress(FileNotFoundError):
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
        return total

    def _path(self, key: str) -> Path:
        if not key or "\\" in key or "\x00" in key:
            raise ValueError(f"bad blob key {key!r}")
        parts = PurePosixPath(key).parts
        if PurePosixPath(key).is_absolute() or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"blob key escapes the store: {key!r}")
        if parts[-1].startswith(_TMP_PREFIX):
            raise ValueError(f"bad blob key {key!r}")
        path = self.root.joinpath(*parts)
        # Resolving catches symlinks inside the root that point outside it.
        if not path.resolve().is_relative_to(self._resolved_root):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path
