"""The blob store's contract on each backend (disk, S3 through moto's HTTP server): keys,
reads, sizes and the total retention counts, deletes, and keys that try to leave the store."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.storage import BlobStore
from engine.storage.blobs import BlobStorage
from engine.storage.s3_blobs import S3BlobStore

from .helpers import T0


def test_put_read_size_delete_and_total(blobs: BlobStorage) -> None:
    first = blobs.put(b"\xff\xd8" + b"a" * 998, prefix="snapshots/cam-a", when=T0)
    second = blobs.put(b"b" * 500, prefix="/snapshots/cam-b/", suffix=".png")
    assert re.fullmatch(r"snapshots/cam-a/2024/05/01/[0-9a-f]{32}\.jpg", first)
    assert re.fullmatch(r"snapshots/cam-b/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.png", second)
    assert blobs.read(first) == b"\xff\xd8" + b"a" * 998
    assert blobs.size(first) == 1000
    assert blobs.exists(first) and blobs.exists(second)
    assert blobs.total_bytes() == 1500

    assert blobs.delete(first) == 1000
    assert blobs.delete(first) == 0  # already gone: nothing freed, no error
    assert not blobs.exists(first)
    assert blobs.total_bytes() == 500
    with pytest.raises(FileNotFoundError):
        blobs.read(first)
    with pytest.raises(FileNotFoundError):
        blobs.size(first)


def test_emptied_date_folders_are_pruned(disk_blobs: BlobStore) -> None:
    key = disk_blobs.put(b"a", prefix="snapshots/cam-a", when=T0)
    kept = disk_blobs.put(b"b", prefix="snapshots/cam-b", when=T0)
    disk_blobs.delete(key)
    assert not (disk_blobs.root / "snapshots" / "cam-a").exists()
    assert disk_blobs.exists(kept)


def test_put_leaves_no_temporary_files(disk_blobs: BlobStore) -> None:
    keys = {disk_blobs.put(bytes([n]) * 100, prefix="snapshots/cam-a", when=T0) for n in range(20)}
    names = {p.name for p in disk_blobs.root.rglob("*") if p.is_file()}
    assert names == {Path(key).name for key in keys}


ESCAPING_KEYS = [
    "../outside.jpg",
    "snapshots/../../outside.jpg",
    "/etc/passwd",
    "/outside.jpg",
    "snapshots\\..\\..\\outside.jpg",
    "snapshots//cam/a.jpg",
    "./outside.jpg",
    "",
    "snap\x00shots/a.jpg",
    "snapshots/.tmp-a.jpg",
]


@pytest.mark.parametrize("key", ESCAPING_KEYS)
def test_keys_escaping_the_store_are_rejected(blobs: BlobStorage, key: str) -> None:
    planted = _plant_outside(blobs, b"secret")
    for operation in (blobs.read, blobs.delete, blobs.size, blobs.exists):
        with pytest.raises(ValueError):
            operation(key)
    assert planted() == b"secret"


def _plant_outside(blobs: BlobStorage, data: bytes):
    """Something just outside the store (beside the folder; beside the prefix in the bucket)
    that an escaping key would reach; returns how to read it back."""
    if isinstance(blobs, S3BlobStore):
        client, bucket = blobs._client, blobs.bucket
        client.put_object(Bucket=bucket, Key="sentinel/outside.jpg", Body=data)
        client.put_object(Bucket=bucket, Key="outside.jpg", Body=data)
        return lambda: client.get_object(Bucket=bucket, Key="outside.jpg")["Body"].read()
    assert isinstance(blobs, BlobStore)
    outside = blobs.root.parent / "outside.jpg"
    outside.write_bytes(data)
    return outside.read_bytes


def test_symlinks_out_of_the_root_are_rejected(disk_blobs: BlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    (disk_blobs.root / "snapshots").mkdir()
    os.symlink(outside, disk_blobs.root / "snapshots" / "link")
    for operation in (disk_blobs.read, disk_blobs.delete, disk_blobs.size, disk_blobs.exists):
        with pytest.raises(ValueError):
            operation("snapshots/link/secret.txt")
    assert (outside / "secret.txt").read_bytes() == b"secret"


@pytest.mark.parametrize(
    ("prefix", "suffix"), [("../../etc", ".jpg"), ("snapshots/cam", "/../../x"), ("/", ".jpg")]
)
def test_put_rejects_prefixes_and_suffixes_that_escape(
    blobs: BlobStorage, prefix: str, suffix: str
) -> None:
    with pytest.raises(ValueError):
        blobs.put(b"x", prefix=prefix, suffix=suffix)
    assert blobs.total_bytes() == 0
