from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.storage import BlobStore

from .helpers import T0


def test_put_read_size_delete_and_total(blobs: BlobStore) -> None:
    first = blobs.put(b"\xff\xd8" + b"a" * 998, prefix="snapshots/cam-a", when=T0)
    second = blobs.put(b"b" * 500, prefix="/snapshots/cam-b/", suffix=".png")
    assert re.fullmatch(r"snapshots/cam-a/2024/05/01/[0-9a-f]{32}\.jpg", first)
    assert re.fullmatch(r"snapshots/cam-b/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.png", second)
    assert blobs.read(first) == b"\xff\xd8" + b"a" * 998
    assert blobs.size(first) == 1000
    assert blobs.total_bytes() == 1500

    assert blobs.delete(first) == 1000
    assert blobs.delete(first) == 0  # already gone: nothing freed, no error
    assert not blobs.exists(first)
    assert blobs.total_bytes() == 500
    assert not (blobs.root / "snapshots" / "cam-a").exists()  # emptied folders pruned
    with pytest.raises(FileNotFoundError):
        blobs.read(first)


def test_put_leaves_no_temporary_files(blobs: BlobStore) -> None:
    keys = {blobs.put(bytes([n]) * 100, prefix="snapshots/cam-a", when=T0) for n in range(20)}
    names = {p.name for p in blobs.root.rglob("*") if p.is_file()}
    assert names == {Path(key).name for key in keys}


@pytest.mark.parametrize(
    "key",
    [
        "../outside.jpg",
        "snapshots/../../outside.jpg",
        "/etc/passwd",
        "snapshots\\..\\..\\outside.jpg",
        "",
        "snap\x00shots/a.jpg",
        "snapshots/link/secret.txt",  # a symlink inside the root pointing out of it
    ],
)
def test_keys_escaping_the_root_are_rejected(blobs: BlobStore, tmp_path: Path, key: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    (blobs.root / "snapshots").mkdir()
    os.symlink(outside, blobs.root / "snapshots" / "link")
    for operation in (blobs.read, blobs.delete, blobs.size, blobs.exists):
        with pytest.raises(ValueError):
            operation(key)
    assert (outside / "secret.txt").read_bytes() == b"secret"


@pytest.mark.parametrize(
    ("prefix", "suffix"), [("../../etc", ".jpg"), ("snapshots/cam", "/../../x"), ("/", ".jpg")]
)
def test_put_rejects_prefixes_and_suffixes_that_escape(
    blobs: BlobStore, prefix: str, suffix: str
) -> None:
    with pytest.raises(ValueError):
        blobs.put(b"x", prefix=prefix, suffix=suffix)
    assert blobs.total_bytes() == 0
