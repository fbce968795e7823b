"""Snapshot writing: JPEG-encode a frame and hand it to whatever stores blobs."""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np


class BlobWriter(Protocol):
    def put(self, data: bytes, *, prefix: str, suffix: str = ".jpg") -> str: ...


class SnapshotWriter:
    """Stores a whole frame as JPEG (evidence keeps context; the event carries the box)."""

    def __init__(self, blobs: BlobWriter, quality: int = 85) -> None:
        self._blobs = blobs
        self._params = [int(cv2.IMWRITE_JPEG_QUALITY), quality]

    def save(self, camera_id: str, image: np.ndarray) -> str:
        ok, encoded = cv2.imencode(".jpg", image, self._params)
        if not ok:
            raise ValueError("JPEG encoding failed")
        return self._blobs.put(encoded.tobytes(), prefix=f"snapshots/{camera_id}")


class MemorySnapshotWriter:
    """Keeps encoded snapshots in memory, for `detect` runs that store nothing."""

    def __init__(self) -> None:
        self.images: dict[str, bytes] = {}

    def save(self, camera_id: str, image: np.ndarray) -> str:
        ok, encoded = cv2.imencode(".jpg", image)
        key = f"memory/{camera_id}/{len(self.images)}.jpg"
        self.images[key] = encoded.tobytes() if ok else b""
        return key
