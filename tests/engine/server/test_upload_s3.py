"""POST /upload with the blobs in S3 (BLOBS_URL, moto's real HTTP server): the key it answers
works as an event's snapshot and reads back through the server; while S3 is away uploads and
events that need it are a clear 503 that stores nothing, and the same requests succeed later."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from engine.server import create_app
from tests.engine.services.helpers import (
    API_KEY,
    PASSWORD,
    World,
    ingest_event,
    make_settings,
    make_world,
)
from tests.engine.storage.tcp_proxy import TcpProxy
from tests.s3 import MotoS3

DEVICE = {"x-api-key": API_KEY}


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()


class Site:
    def __init__(self, world: World, client: TestClient, bucket: str, proxy: TcpProxy) -> None:
        self.world, self.client, self.bucket, self.proxy = world, client, bucket, proxy

    def events(self) -> int:
        with self.world.db.engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())

    def admin(self) -> dict[str, str]:
        login = {"name": "admin", "password": PASSWORD}
        token = self.client.post("/auth/login", json=login).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def site(tmp_path: Path, moto_s3: MotoS3) -> Iterator[Site]:
    """A server whose blob store is a fresh bucket, reached through a proxy the test can cut."""
    host, port = moto_s3.endpoint.removeprefix("http://").split(":")
    proxy = TcpProxy(target=(host, int(port)))
    bucket = moto_s3.new_bucket()
    s3 = moto_s3.settings(bucket, "site-a", endpoint=f"http://127.0.0.1:{proxy.port}")
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path, **s3)
    try:
        with TestClient(create_app(world.services, make_settings(tmp_path, **s3))) as client:
            yield Site(world, client, bucket, proxy)
    finally:
        world.close()
        proxy.close()


def _jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((24, 32, 3), (40, 90, 200), np.uint8))
    assert ok
    return data.tobytes()


def _upload(site: Site, data: bytes):
    return site.client.post(
        "/upload", files={"file": ("a.jpg", data, "image/jpeg")}, headers=DEVICE
    )


def test_an_upload_lands_in_s3_and_reads_back_as_the_events_snapshot(
    site: Site, moto_s3: MotoS3, tmp_path: Path
) -> None:
    answer = _upload(site, _jpeg())
    assert answer.status_code == 201, answer.text
    key = answer.json()["key"]
    assert moto_s3.objects(site.bucket) == {f"site-a/{key}": len(_jpeg())}
    assert not (tmp_path / "blobs").exists()  # nothing went to the local folder

    event = ingest_event(snapshot=key)
    assert site.client.post("/ingest", json=event, headers=DEVICE).json()["stored"] == 1
    shown = site.client.get(f"/events/{event['id']}/snapshot", headers=site.admin())
    assert shown.status_code == 200, shown.text
    assert shown.content == _jpeg()


def test_while_s3_is_away_uploads_and_events_needing_it_are_503_and_store_nothing(
    site: Site, moto_s3: MotoS3, caplog: pytest.LogCaptureFixture
) -> None:
    stored_key = _upload(site, _jpeg()).json()["key"]
    shown = ingest_event(snapshot=stored_key)
    assert site.client.post("/ingest", json=shown, headers=DEVICE).json()["stored"] == 1
    before = (site.events(), moto_s3.objects(site.bucket))
    event = ingest_event(snapshot=stored_key)
    admin = site.admin()

    site.proxy.cut()
    with caplog.at_level(logging.WARNING):
        refused = _upload(site, _jpeg())
        held = site.client.post("/ingest", json=event, headers=DEVICE)
        unreadable = site.client.get(f"/events/{shown['id']}/snapshot", headers=admin)
    unavailable = {"detail": "blob store unavailable; try again later"}
    for answer in (refused, held, unreadable):
        assert (answer.status_code, answer.json()) == (503, unavailable)
    assert site.events() == before[0]
    assert "unreachable" in caplog.text  # the operator's log says why

    site.proxy.restore()
    assert moto_s3.objects(site.bucket) == before[1]  # nothing half-written
    # The device's retry of the same event now goes through: nothing was lost.
    assert site.client.post("/ingest", json=event, headers=DEVICE).json()["stored"] == 1
    assert _upload(site, _jpeg()).status_code == 201
    assert site.client.get(f"/events/{shown['id']}/snapshot", headers=admin).content == _jpeg()
