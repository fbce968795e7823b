"""Plate events through a database outage: spooled with their reads, replayed once, and
flagged against the watchlist when they are finally written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from engine.domain.plate import PlateEvent, PlateRead, PlateRecord
from engine.storage import Database, SpoolingEventSink
from engine.storage.repos.plates import PlateRecordWriter, PlateRepository

from .test_spool import Outage, outage  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def _record(text: str, track_id: int) -> PlateRecord:
    plate = PlateEvent(
        camera_id="cam-a",
        track_id=track_id,
        text=text,
        raw_text=text,
        confidence=0.9,
        first_seen=NOW - timedelta(seconds=3),
        last_seen=NOW,
        frames=2,
    )
    reads = [
        PlateRead(
            event_id=plate.id,
            frame_index=i,
            pts=float(i),
            text=text,
            confidence=0.9,
            box=(10.0, 10.0, 60.0, 25.0),
            read_at=NOW,
        )
        for i in range(2)
    ]
    return PlateRecord(plate=plate, reads=reads)


def test_plates_spooled_in_an_outage_are_stored_once_and_flagged(
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    direct = Database.open(outage.direct_url)
    PlateRepository(direct).add_watch("4XXF538", "stolen")
    db = Database.open(outage.sink_url, sqlite_busy_timeout_s=0.05, connect_timeout_s=2)
    sink = SpoolingEventSink(
        PlateRecordWriter(PlateRepository(db)),
        tmp_path / "plates",
        retry_interval_s=0.1,
        model=PlateRecord,
    )
    watched, other = _record("4XXF538", 1), _record("KA01AB1234", 2)
    try:
        outage.switch.cut()
        sink.submit([watched])  # a camera thread: never raises
        sink.submit([other])
        assert sink.spooled == 2 and sink.stored == 0
        outage.switch.restore()
        assert sink.flush(timeout=30)
        sink.submit([watched])  # a repeat (a replay after a lost acknowledgement)
    finally:
        sink.close()
        db.close()
    repo = PlateRepository(direct)
    found = repo.find("4XXF538") + repo.find("KA01AB1234")
    assert len(found) == 2, "each plate stored exactly once"
    stored = {e.text: e for e in found}
    assert set(stored) == {"4XXF538", "KA01AB1234"}
    assert stored["4XXF538"].watchlist_hit and not stored["KA01AB1234"].watchlist_hit
    assert len(repo.reads(watched.id)) == 2
    assert sink.replayed == 2
    direct.close()
