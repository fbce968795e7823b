"""S3BlobStore: blobs as objects of one S3 bucket under a prefix (AWS S3 or any S3-compatible
store: MinIO, Ceph, moto), selected by BLOBS_URL=s3://bucket/prefix.

Keys are the same as on disk (engine.storage.blob_keys), checked the same way: none may leave
the prefix, since other data may share the bucket. A PutObject is atomic (a reader sees a whole
object or none), so nothing is ever half-written. Every failure to reach or use the bucket is a
BlobStoreUnavailable that says which (endpoint down, bucket missing, credentials refused)."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from engine.config.settings import Settings
from engine.storage.blob_keys import check_key, new_key
from engine.storage.blobs import BlobStoreUnavailable

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Location(NamedTuple):
    bucket: str
    prefix: str  # "" or "a/b" (no leading or trailing slash)


def parse_s3_url(url: str) -> S3Location:
    """`s3://bucket/optional/prefix` -> S3Location; ValueError for anything else."""
    scheme, _, rest = url.partition("://")
    if scheme != "s3" or not rest:
        raise ValueError(f"BLOBS_URL must look like s3://bucket/prefix, not {url!r}")
    bucket, _, prefix = rest.partition("/")
    if not bucket or "/" in bucket or bucket in (".", ".."):
        raise ValueError(f"BLOBS_URL names no bucket: {url!r}")
    prefix = prefix.strip("/")
    if prefix:
        check_key(prefix)  # no "..", empty parts or backslashes in the prefix either
    return S3Location(bucket, prefix)


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client from S3_* settings. Timeouts are short and retries few: a request that
    cannot be served soon fails as BlobStoreUnavailable rather than stalling a camera."""
    secret = settings.s3_secret_access_key
    config = Config(
        connect_timeout=settings.s3_timeout_s,
        read_timeout=settings.s3_timeout_s,
        retries={"max_attempts": 2, "mode": "standard"},
        # A custom endpoint (MinIO, a test server) is addressed by path, not bucket.host.
        s3={"addressing_style": "path"} if settings.s3_endpoint_url else None,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=config,
    )


class S3BlobStore:
    """The BlobStorage face over one bucket and prefix. `client` is a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = str(client.meta.endpoint_url)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        assert settings.blobs_url is not None
        location = parse_s3_url(settings.blobs_url)
        return cls(s3_client(settings), location.bucket, location.prefix)

    def __repr__(self) -> str:
        return f"S3BlobStore(s3://{self.bucket}/{self.prefix} at {self.endpoint})"

    def check(self) -> None:
        """Raise BlobStoreUnavailable unless the bucket exists and answers us."""
        with self._errors("check"):
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    raise self._no_bucket() from None
                raise

    def put(
        self, data: bytes, *, prefix: str, suffix: str = ".jpg", when: datetime | None = None
    ) -> str:
        key = new_key(prefix, suffix, when)
        self.write(key, data)
        return key

    def write(self, key: str, data: bytes) -> None:
        """Store `data` under exactly `key` (replacing it)."""
        name = self._object(key)
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with self._errors("write"):
            self._client.put_object(
                Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
            )

    def read(self, key: str) -> bytes:
        name = self._object(key)
        with self._errors("read"):
            try:
                answer = self._client.get_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    raise FileNotFoundError(f"no blob {key!r}") from None
                raise
            return bytes(answer["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        name = self._object(key)
        with self._errors("size"):
            try:
                head = self._client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    # A HEAD says only 404: for a missing bucket as for a missing key.
                    self.check()
                    raise FileNotFoundError(f"no blob {key!r}") from None
                raise
            return int(head["ContentLength"])

    def delete(self, key: str) -> int:
        """Remove the blob; the bytes freed (0 if it was already gone)."""
        try:
            freed = self.size(key)
        except FileNotFoundError:
            return 0
        with self._errors("delete"):
            self._client.delete_object(Bucket=self.bucket, Key=self._object(key))
        return freed

    def total_bytes(self) -> int:
        """Bytes of every object under the prefix (one listing: a page per 1,000 objects)."""
        total = 0
        for entry in self._listing():
            total += int(entry["Size"])
        return total

    def list_keys(self) -> Iterator[str]:
        """Every stored key, in key order."""
        start = len(self.prefix) + 1 if self.prefix else 0
        for entry in self._listing():
            yield str(entry["Key"])[start:]

    def _listing(self) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("list_objects_v2")
        with self._errors("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._root()):
                yield from page.get("Contents", [])

    def _root(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def _object(self, key: str) -> str:
        check_key(key)
        return self._root() + key

    def _no_bucket(self) -> BlobStoreUnavailable:
        return BlobStoreUnavailable(
            f"S3 bucket {self.bucket!r} does not exist at {self.endpoint} (BLOBS_URL)"
        )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """botocore's failures as BlobStoreUnavailable, each saying what is wrong."""
        try:
            yield
        except ClientError as exc:
            code = _code(exc)
            if code == "NoSuchBucket":
                raise self._no_bucket() from None
            raise BlobStoreUnavailable(
                f"S3 refused to {action} in bucket {self.bucket!r} at {self.endpoint}: {code}"
            ) from None
        except NoCredentialsError:
            raise BlobStoreUnavailable(
                "no S3 credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY "
                "(or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
            ) from None
        except BotoCoreError as exc:  # endpoint down, timeouts, connection reset
            raise BlobStoreUnavailable(
                f"S3 endpoint {self.endpoint} unreachable ({type(exc).__name__})"
            ) from None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
