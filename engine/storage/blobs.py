"""Blob stores: snapshots and other binary evidence by key. `BlobStore` keeps them as files under
one root directory; engine.storage.s3_blobs keeps them in S3. Both have the `BlobStorage` face."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Protocol

from engine.storage.blob_keys import TMP_PREFIX, check_key, new_key


class BlobStoreUnavailable(OSError):
    """The store cannot be reached or refuses us (S3 endpoint down, bucket missing, credentials
    refused); nothing was written. The message says which, never the data."""


class BlobStorage(Protocol):
    """What the engine needs of a blob store (keys: engine.storage.blob_keys). `read` and
    `size` raise FileNotFoundError for a missing blob, every method ValueError for an unsafe key
    and BlobStoreUnavailable when the store cannot answer."""

    def put(
        self, data: bytes, *, prefix: str, suffix: str = ".jpg", when: datetime | None = None
    ) -> str: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> int: ...

    def total_bytes(self) -> int: ...


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
        key = new_key(prefix, suffix, when)
        self.write(key, data)
        return key

    def write(self, key: str, data: bytes) -> None:
        """Store `data` under exactly `key` (replacing it), atomically."""
        path = self._path(key)
        tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
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
        for entry in self._files():
            with suppress(FileNotFoundError):
                total += entry.stat(follow_symlinks=False).st_size
        return total

    def list_keys(self) -> Iterator[str]:
        """Every stored key (half-written temporaries excluded), in no particular order."""
        for entry in self._files():
            if not entry.name.startswith(TMP_PREFIX):
                yield Path(entry.path).relative_to(self.root).as_posix()

    def _files(self) -> Iterator[os.DirEntry[str]]:
        stack = [str(self.root)]
        while stack:
            # Retention (or the write-behind uploader) may delete files and prune folders while
            # we walk: what is gone is skipped.
            with suppress(FileNotFoundError), os.scandir(stack.pop()) as entries:
                for entry in entries:
                    with suppress(FileNotFoundError):
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            yield entry

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*check_key(key))
        # Resolving catches symlinks inside the root that point outside it.
        if not path.resolve().is_relative_to(self._resolved_root):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path
