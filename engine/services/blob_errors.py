"""A blob store outage (S3 away) as the services' Unavailable: HTTP 503, nothing stored, the
caller retries. The precise reason (endpoint, bucket) goes to the log, not to the caller."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from engine.services.errors import Unavailable
from engine.storage.blobs import BlobStoreUnavailable

log = logging.getLogger(__name__)


@contextmanager
def blob_store_answering() -> Iterator[None]:
    try:
        yield
    except BlobStoreUnavailable as exc:
        log.warning("blob store unavailable: %s", exc)
        raise Unavailable("blob store unavailable; try again later") from None
