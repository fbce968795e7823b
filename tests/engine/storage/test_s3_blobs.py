"""S3 as the blob store (BLOBS_URL): selected by the settings, objects where an operator looks
for them, a clear error when the bucket is missing or the endpoint down, and write-behind: the
engine's own blobs are kept on local disk while S3 is away and uploaded once it is back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.config.settings import Settings
from engine.storage import BlobStore
from engine.storage.blob_factory import open_blob_store
from engine.storage.blobs import BlobStoreUnavailable
from engine.storage.s3_blobs import S3BlobStore, S3Location, parse_s3_url
from engine.storage.write_behind import WriteBehindBlobStore
from tests.s3 import MotoS3

from .helpers import T0, wait_for
from .tcp_proxy import TcpProxy


def settings_for(tmp_path: Path, **values: str) -> Settings:
    return Settings(_env_file=None, SENTINEL_DATA_DIR=str(tmp_path), **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://evidence", S3Location("evidence", "")),
        ("s3://evidence/", S3Location("evidence", "")),
        ("s3://evidence/site-a/blobs/", S3Location("evidence", "site-a/blobs")),
        ("file:///var/blobs", ValueError),
        ("s3://", ValueError),
        ("s3:///prefix", ValueError),
        ("s3://evidence/a/../b", ValueError),
        ("evidence/prefix", ValueError),
    ],
)
def test_blobs_url_names_a_bucket_and_a_safe_prefix(url: str, expected: object) -> None:
    if expected is ValueError:
        with pytest.raises(ValueError):
            parse_s3_url(url)
    else:
        assert parse_s3_url(url) == expected


def test_settings_choose_the_store(tmp_path: Path, moto_s3: MotoS3) -> None:
    disk = open_blob_store(settings_for(tmp_path, BLOBS_DIR=str(tmp_path / "here")))
    assert isinstance(disk, BlobStore) and disk.root == tmp_path / "here"

    bucket = moto_s3.new_bucket()
    s3 = settings_for(tmp_path, **moto_s3.settings(bucket, "site-a/blobs"))
    store = open_blob_store(s3)
    assert isinstance(store, S3BlobStore)
    key = store.put(b"\xff\xd8jpeg", prefix="uploads", when=T0)
    # Where an operator finds it: under the prefix, typed, and nothing on the local disk.
    assert moto_s3.objects(bucket) == {f"site-a/blobs/{key}": 6}
    head = moto_s3.client().head_object(Bucket=bucket, Key=f"site-a/blobs/{key}")
    assert head["ContentType"] == "image/jpeg"
    assert not (tmp_path / "blobs").exists()

    engine_store = open_blob_store(s3, write_behind=True)
    assert isinstance(engine_store, WriteBehindBlobStore)
    assert engine_store.read(key) == b"\xff\xd8jpeg"


def test_a_missing_bucket_says_so(
    tmp_path: Path, moto_s3: MotoS3, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, **moto_s3.settings("no-such-bucket", "p"))
    with caplog.at_level(logging.ERROR):
        store = open_blob_store(settings)
    assert "bucket 'no-such-bucket' does not exist" in caplog.text  # said at start-up
    operations = [
        lambda: store.put(b"x", prefix="uploads"),
        lambda: store.read("uploads/a.jpg"),
        lambda: store.exists("uploads/a.jpg"),
        lambda: store.size("uploads/a.jpg"),
        lambda: store.delete("uploads/a.jpg"),
        store.total_bytes,
    ]
    for operation in operations:
        with pytest.raises(BlobStoreUnavailable, match="bucket 'no-such-bucket' does not exist"):
            operation()


def test_an_endpoint_that_is_down_says_so(tmp_path: Path, moto_s3: MotoS3) -> None:
    proxy = TcpProxy(target=_address(moto_s3))
    proxy.cut()
    try:
        endpoint = f"http://127.0.0.1:{proxy.port}"
        settings = moto_s3.settings(moto_s3.new_bucket(), endpoint=endpoint)
        store = open_blob_store(settings_for(tmp_path, **settings), check=False)
        for operation in (lambda: store.put(b"x", prefix="uploads"), store.total_bytes):
            with pytest.raises(BlobStoreUnavailable, match=f"S3 endpoint {endpoint} unreachable"):
                operation()
    finally:
        proxy.close()


@pytest.fixture
def outage(moto_s3: MotoS3) -> Iterator[TcpProxy]:
    """A proxy in front of moto that the test cuts (S3 away) and restores."""
    proxy = TcpProxy(target=_address(moto_s3))
    yield proxy
    proxy.close()


def test_engine_blobs_wait_on_disk_while_s3_is_away_and_go_up_after(
    tmp_path: Path, moto_s3: MotoS3, outage: TcpProxy
) -> None:
    bucket = moto_s3.new_bucket()
    values = moto_s3.settings(bucket, "blobs", endpoint=f"http://127.0.0.1:{outage.port}")
    settings = settings_for(tmp_path, **values)
    store = open_blob_store(settings, write_behind=True)
    assert isinstance(store, WriteBehindBlobStore)
    store.retry_s = 0.2
    before = store.put(b"first", prefix="snapshots/cam-a", when=T0)

    outage.cut()
    during = store.put(b"second!", prefix="snapshots/cam-a", when=T0)  # no error: kept locally
    gone = store.put(b"third", prefix="snapshots/cam-a", when=T0)
    assert store.read(during) == b"second!" and store.size(during) == 7
    assert store.exists(during) and store.pending() == 2
    assert store.delete(gone) == 5  # retention while S3 is away: it never goes up
    assert (settings.resolved_spool_dir() / "blobs" / during).read_bytes() == b"second!"

    outage.restore()
    wait_for(lambda: store.pending() == 0, timeout=30)
    assert moto_s3.objects(bucket) == {f"blobs/{before}": 5, f"blobs/{during}": 7}
    assert store.read(during) == b"second!" and store.total_bytes() == 12
    store.close()


def test_blobs_staged_by_an_earlier_run_are_uploaded_by_the_next(
    tmp_path: Path, moto_s3: MotoS3
) -> None:
    bucket = moto_s3.new_bucket()
    settings = settings_for(tmp_path, **moto_s3.settings(bucket))
    staged = BlobStore(settings.resolved_spool_dir() / "blobs")
    key = staged.put(b"from the last run", prefix="snapshots/cam-a", when=T0)
    store = WriteBehindBlobStore(S3BlobStore(moto_s3.client(), bucket), staged, retry_s=0.1)
    wait_for(lambda: store.pending() == 0, timeout=30)
    assert moto_s3.objects(bucket) == {key: 17}
    store.close()


def _address(moto_s3: MotoS3) -> tuple[str, int]:
    host, port = moto_s3.endpoint.removeprefix("http://").split(":")
    return host, int(port)
