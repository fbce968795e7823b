from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy.engine import make_url

from engine.domain import Event
from engine.storage import Database, EventRepository, SpoolingEventSink

from .helpers import MakeEvent, wait_for
from .tcp_proxy import TcpProxy

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/sentinel"


def stored_ids(url: str) -> list[str]:
    db = Database.open(url)
    try:
        repo = EventRepository(db)
        return [str(e.id) for e in repo.list(limit=1_000_000)]
    finally:
        db.close()


class Switch(Protocol):
    def cut(self) -> None: ...
    def restore(self) -> None: ...


@dataclass
class Outage:
    """A way to take the database away and give it back: `sink_url` is what the sink uses,
    `direct_url` reaches the same data around the outage."""

    switch: Switch
    sink_url: str
    direct_url: str


class SqliteWriteLock:
    """Another process holding SQLite's write lock: every writer gets 'database is locked'."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def cut(self) -> None:
        self._connection = sqlite3.connect(self._path, isolation_level=None)
        self._connection.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        if self._connection is not None:
            self._connection.execute("COMMIT")
            self._connection.close()
            self._connection = None


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    Database.open(database_url).close()  # schema first, so a cut never meets a migration
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        lock = SqliteWriteLock(str(url.database))
        yield Outage(lock, database_url, database_url)
        lock.restore()
        return
    proxy = TcpProxy(("127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    yield Outage(proxy, through, database_url)
    proxy.close()


def test_an_outage_mid_run_loses_nothing_and_stores_nothing_twice(
    outage: Outage, tmp_path: Path, make_event: MakeEvent
) -> None:
    db = Database.open(outage.sink_url, sqlite_busy_timeout_s=0.05, connect_timeout_s=2)
    sink = SpoolingEventSink(EventRepository(db), tmp_path / "spool", retry_interval_s=0.1)
    submitted: list[Event] = []
    stop = threading.Event()

    def produce() -> None:  # a camera thread: submit must never raise
        while not stop.is_set():
            batch = [make_event() for _ in range(3)]
            sink.submit(batch)
            submitted.extend(batch)
            time.sleep(0.005)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        wait_for(lambda: sink.stored >= 30)
        cut_at = time.monotonic()
        outage.switch.cut()
        wait_for(lambda: sink.spooled >= 30)
        time.sleep(max(0.0, 2.0 - (time.monotonic() - cut_at)))  # a ~2 s outage
        outage.switch.restore()
        stored_before = sink.stored
        wait_for(lambda: sink.stored > stored_before)  # straight to the database again
    finally:
        stop.set()
        producer.join(10)
    assert sink.flush(timeout=30)
    sink.close()
    db.close()

    ids = stored_ids(outage.direct_url)
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(str(e.id) for e in submitted)
    assert sink.stored + sink.spooled == len(submitted)
    assert sink.replayed == sink.spooled > 0
    assert sink.rejected == 0
    assert not list((tmp_path / "spool").glob("segment-*"))


def test_a_new_sink_replays_what_a_previous_process_left_in_the_spool(
    database_url: str, tmp_path: Path, make_event: MakeEvent, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "spool"
    down = SpoolingEventSink(
        lambda: EventRepository(Database.open(UNREACHABLE, connect_timeout_s=2)), spool, 0.05
    )
    events = [make_event() for _ in range(10)]
    for event in events:
        down.submit([event])
    down.close()
    assert (down.stored, down.spooled, down.replayed) == (0, 10, 0)
    segments = list(spool.glob("segment-*.jsonl"))
    assert segments
    with open(segments[-1], "ab") as handle:  # a crash mid-append left a torn line
        handle.write(b'{"id": "8c4f')

    db = Database.open(database_url)
    try:
        with caplog.at_level(logging.ERROR, logger="engine.storage.spool"):
            sink = SpoolingEventSink(EventRepository(db), spool, retry_interval_s=0.05)
            assert sink.flush(timeout=15)
        sink.close()
        assert EventRepository(db).list() == sorted(events, key=lambda e: e.timestamp)[::-1]
        assert sink.replayed == 10
        assert not list(spool.glob("segment-*"))
        assert "skipping unreadable spool line" in caplog.text
    finally:
        db.close()


@pytest.mark.postgres
def test_a_sink_starts_while_the_database_is_down_and_catches_up(
    postgres_url: str, tmp_path: Path, make_event: MakeEvent
) -> None:
    Database.open(postgres_url).close()
    url = make_url(postgres_url)
    proxy = TcpProxy(("127.0.0.1", url.port or 5432))
    proxy.cut()
    through = url.set(port=proxy.port).render_as_string(False)
    sink = SpoolingEventSink(
        lambda: EventRepository(Database.open(through, connect_timeout_s=2)), tmp_path, 0.05
    )
    try:
        first = [make_event() for _ in range(5)]
        sink.submit(first)
        assert sink.spooled == 5 and sink.pending
        assert not sink.flush(timeout=0.3)  # still down
        proxy.restore()
        assert sink.flush(timeout=15)
        later = [make_event()]
        sink.submit(later)
        assert sink.stored == 1  # direct once the spool is empty
        assert sorted(stored_ids(postgres_url)) == sorted(str(e.id) for e in first + later)
    finally:
        sink.close()
        proxy.close()


@pytest.mark.postgres
def test_events_the_database_rejects_go_to_dead_letters_without_blocking_others(
    postgres_url: str, tmp_path: Path, make_event: MakeEvent
) -> None:
    db = Database.open(postgres_url)
    sink = SpoolingEventSink(EventRepository(db), tmp_path, retry_interval_s=0.05)
    try:
        good, bad, also_good = make_event(), make_event(camera_id="cam\x00a"), make_event()
        sink.submit([good, bad, also_good])  # PostgreSQL refuses NUL in text
        sink.submit([make_event()])
        assert (sink.stored, sink.spooled, sink.rejected) == (3, 0, 1)
        assert not sink.pending
        assert str(bad.id) in (tmp_path / "rejected.jsonl").read_text()
        assert str(bad.id) not in stored_ids(postgres_url)
        assert len(stored_ids(postgres_url)) == 3
    finally:
        sink.close()
        db.close()
