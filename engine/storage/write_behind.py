"""WriteBehindBlobStore: a remote blob store (S3) that may be away, with local disk behind it.

A camera must not stop, nor an event lose its snapshot, because the bucket cannot be reached
for a while: a blob the remote store does not take is written to a local staging folder under
the very key it would have had, and a background thread uploads it (then removes the local copy)
once the remote store answers again. Until then reads find it locally. The staging folder
survives restarts: what is left there is uploaded by the next engine that opens it.

One engine's staged blobs are visible to other engines on the same bucket only once uploaded.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Protocol

from engine.storage.blob_keys import new_key
from engine.storage.blobs import BlobStore, BlobStoreUnavailable

log = logging.getLogger(__name__)


class RemoteBlobs(Protocol):
    """What write-behind needs of the remote store (S3BlobStore has it)."""

    def write(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> int: ...

    def total_bytes(self) -> int: ...


class WriteBehindBlobStore:
    """The BlobStorage face over `remote`, staging in `staging` what it cannot take. Staged
    uploads are retried every `retry_s` by a daemon thread that runs only while something is
    staged."""

    def __init__(self, remote: RemoteBlobs, staging: BlobStore, retry_s: float = 5.0) -> None:
        self.remote = remote
        self.staging = staging
        self.retry_s = retry_s
        self._lock = threading.Lock()
        self._uploader: threading.Thread | None = None
        self._stop = threading.Event()
        if self.pending():
            self._start_uploader()  # left over from a run that ended during an outage

    def put(
        self, data: bytes, *, prefix: str, suffix: str = ".jpg", when: datetime | None = None
    ) -> str:
        key = new_key(prefix, suffix, when)
        try:
            self.remote.write(key, data)
        except BlobStoreUnavailable as exc:
            self.staging.write(key, data)
            log.warning("blob store away: %s; kept %s on local disk for upload", exc, key)
            self._start_uploader()
        return key

    # A staged copy is the only one until it is uploaded: look there first (a local stat).
    def read(self, key: str) -> bytes:
        try:
            return self.staging.read(key)
        except FileNotFoundError:
            return self.remote.read(key)

    def exists(self, key: str) -> bool:
        return self.staging.exists(key) or self.remote.exists(key)

    def size(self, key: str) -> int:
        try:
            return self.staging.size(key)
        except FileNotFoundError:
            return self.remote.size(key)

    def delete(self, key: str) -> int:
        staged = self.staging.delete(key)
        try:
            return staged + self.remote.delete(key)
        except BlobStoreUnavailable:
            if staged:
                return staged  # it was only here: it was never uploaded
            raise

    def total_bytes(self) -> int:
        staged = self.staging.total_bytes()
        if staged:
            # Retention asks every pass: blobs a camera process staged and left (it ended
            # during the outage) are picked up here.
            self._start_uploader()
        return self.remote.total_bytes() + staged

    def pending(self) -> int:
        """How many blobs wait on local disk for the remote store."""
        return sum(1 for _ in self.staging.list_keys())

    def flush(self) -> int:
        """Upload every staged blob (removing its local copy); returns how many went up.
        BlobStoreUnavailable if the remote store is still away (the rest stay staged)."""
        uploaded = 0
        for key in list(self.staging.list_keys()):
            try:
                data = self.staging.read(key)
            except FileNotFoundError:
                continue  # deleted meanwhile (retention), or uploaded by another process
            self.remote.write(key, data)
            self.staging.delete(key)
            uploaded += 1
        if uploaded:
            log.info("uploaded %d staged blobs to the blob store", uploaded)
        return uploaded

    def close(self, timeout: float = 5.0) -> None:
        """Stop the uploader (what is still staged stays on disk for the next run)."""
        self._stop.set()
        uploader = self._uploader
        if uploader is not None:
            uploader.join(timeout)

    def _start_uploader(self) -> None:
        with self._lock:
            if self._uploader is not None and self._uploader.is_alive():
                return
            self._uploader = threading.Thread(
                target=self._upload_staged, name="blob-uploader", daemon=True
            )
            self._uploader.start()

    def _upload_staged(self) -> None:
        while not self._stop.wait(self.retry_s):
            try:
                self.flush()
            except BlobStoreUnavailable:
                continue
            except Exception:
                log.warning("staged blob upload failed; retrying", exc_info=True)
                continue
            with self._lock:
                if not self.pending():
                    self._uploader = None
                    return
