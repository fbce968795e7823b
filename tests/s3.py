"""MotoS3: moto's S3 in server mode - a real HTTP S3 endpoint on a free loopback port, which the
engine reaches through boto3 exactly as it would reach AWS or MinIO (nothing is patched)."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"  # moto accepts any; nothing real lives in the repository


class MotoS3:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""
        self._clients: dict[str, Any] = {}  # making a client costs ~0.5 s: one per endpoint

    def start(self) -> MotoS3:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def settings(
        self, bucket: str, prefix: str = "", endpoint: str | None = None
    ) -> dict[str, str]:
        """Settings values (env names) for a store at s3://bucket/prefix on this server (or at
        `endpoint`, e.g. a proxy in front of it)."""
        return {
            "BLOBS_URL": f"s3://{bucket}/{prefix}",
            "S3_ENDPOINT_URL": endpoint or self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_TIMEOUT_S": "2",
        }

    def client(self, endpoint: str | None = None) -> Any:
        endpoint = endpoint or self.endpoint
        if endpoint not in self._clients:
            self._clients[endpoint] = self._new_client(endpoint)
        return self._clients[endpoint]

    def _new_client(self, endpoint: str) -> Any:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=2,
                read_timeout=2,
                retries={"max_attempts": 1},
            ),
        )

    def new_bucket(self) -> str:
        """A fresh, empty bucket: each test has its own."""
        name = f"sentinel-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, int]:
        """Every object in `bucket` (the whole bucket, not a prefix): name -> bytes."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}
