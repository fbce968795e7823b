"""open_blob_store: the blob store the settings name - BLOBS_DIR on disk, or S3 by BLOBS_URL."""

from __future__ import annotations

import logging

from engine.config.settings import Settings
from engine.storage.blobs import BlobStorage, BlobStore, BlobStoreUnavailable

log = logging.getLogger(__name__)


def open_blob_store(
    settings: Settings, *, write_behind: bool = False, check: bool = True
) -> BlobStorage:
    """BLOBS_URL=s3://bucket/prefix: S3 (S3_* settings); else the folder BLOBS_DIR.

    `write_behind` (the engine's own writers: cameras, plate reads) keeps what S3 cannot take
    in SPOOL_DIR/blobs and uploads it later (engine.storage.write_behind); without it a write
    while S3 is away raises BlobStoreUnavailable (the server answers 503). With `check`, an S3
    store that cannot be used now (bucket missing, endpoint down) is logged as an error, not
    fatal: it may come up later."""
    if not settings.blobs_url:
        return BlobStore(settings.resolved_blobs_dir())
    from engine.storage.s3_blobs import S3BlobStore  # boto3 only when S3 is used

    store = S3BlobStore.from_settings(settings)
    try:
        if check:
            store.check()
    except BlobStoreUnavailable as exc:
        log.error("blob store not usable now: %s", exc)
    if not write_behind:
        return store
    from engine.storage.write_behind import WriteBehindBlobStore

    return WriteBehindBlobStore(store, BlobStore(settings.resolved_spool_dir() / "blobs"))
