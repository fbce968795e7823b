"""Plate events on both backends: round trip, exact and fuzzy lookup, watchlist, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.plate import PlateEvent, PlateRead
from engine.security.policy import plate_hmac
from engine.storage import Database
from engine.storage.repos.plates import PlateRepository, within_one_edit

from .helpers import T0

KEY = b"test-hmac-key"


@pytest.fixture
def plates(db: Database) -> PlateRepository:
    return PlateRepository(db)


def plate_event(text: str | None = "4XXF538", age_days: float = 0, **kw) -> PlateEvent:
    seen = T0 - timedelta(days=age_days)
    return PlateEvent(
        camera_id="cam-a",
        track_id=kw.pop("track_id", 7),
        text=text,
        raw_text=text and f"{text[:3]} {text[3:]}",
        region="us",
        confidence=0.91,
        quality=0.7,
        crop="plates/cam-a/a.jpg",
        first_seen=seen - timedelta(seconds=3),
        last_seen=seen,
        frames=3,
        **kw,
    )


def test_event_and_reads_round_trip_and_replay_is_ignored(plates: PlateRepository) -> None:
    event = plate_event()
    reads = [
        PlateRead(
            event_id=event.id,
            frame_index=i,
            pts=i / 12,
            text=t,
            confidence=c,
            box=(1.5, 2.0, 80.25, 30.0),
            read_at=T0 + timedelta(seconds=i),
        )
        for i, (t, c) in enumerate([("4XXF538", 0.99), ("XXF538", 0.7), ("4XXF538", 0.98)])
    ]
    assert plates.add(event, reads) is True
    assert plates.add(event, reads) is False  # a replay after an outage stores nothing twice
    stored = plates.get(event.id)
    assert stored == event.model_copy(update={"folded": "4XXF538"})
    assert plates.reads(event.id) == reads


@pytest.mark.parametrize(
    ("query", "fuzzy", "found"),
    [
        ("4XXF538", False, True),
        ("4xx-f538", False, True),
        ("4XXF5O8", False, False),  # a look-alike where the plate has no look-alike partner
        ("4XXF5B8", False, False),
        ("4XXF539", True, True),  # one character changed
        ("4XXF53", True, True),  # one missing
        ("4XXF5380", True, True),  # one extra
        ("4XF53", True, False),  # two missing
        ("9XXF539", True, False),  # two changed
    ],
)
def test_find_exact_and_fuzzy(plates: PlateRepository, query: str, fuzzy: bool, found: bool):
    event = plate_event()
    plates.add(event)
    plates.add(plate_event("ABC1234", track_id=8))
    assert ([e.id for e in plates.find(query, fuzzy=fuzzy)] == [event.id]) is found


def test_look_alike_and_missing_character_queries_find_a_plate_with_o(plates: PlateRepository):
    event = plate_event("OX12ABC")
    plates.add(event)
    assert [e.id for e in plates.find("0X12ABC")] == [event.id]  # 0 for O: same folded key
    assert [e.id for e in plates.find("0X12AB", fuzzy=True)] == [event.id]  # one missing


def test_watchlist_matches_clear_and_redacted_plates(plates: PlateRepository) -> None:
    plates.add_watch("4XXF538", label="stolen", hmac_of=lambda t: plate_hmac(KEY, t))
    clear = plate_event("4XXFS38")  # S read for 5: folded keys still agree
    redacted = plate_event(None, plate_hmac=plate_hmac(KEY, "4XXF538"), track_id=9)
    other = plate_event("ABC1234", track_id=10)
    assert plates.matches_watchlist(clear)
    assert plates.matches_watchlist(redacted)
    assert not plates.matches_watchlist(other)
    assert not plates.matches_watchlist(plate_event(None, plate_hmac=plate_hmac(b"k2", "4XXF538")))
    with pytest.raises(ValueError, match="needs a plate text"):
        plates.add_watch(None, label="empty")


def test_retention_deletes_old_plate_events_and_their_reads(plates: PlateRepository) -> None:
    old, new = plate_event(age_days=40), plate_event(age_days=1, track_id=8)
    read = PlateRead(
        event_id=old.id, frame_index=0, pts=0.0, confidence=0.9, box=(0, 0, 1, 1), read_at=T0
    )
    plates.add(old, [read])
    plates.add(new)
    assert plates.delete_older_than(T0 - timedelta(days=30)) == 1
    assert plates.get(old.id) is None and plates.reads(old.id) == []
    assert plates.get(new.id) == new.model_copy(update={"folded": "4XXF538"})


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [("ABC", "ABC", True), ("ABC", "ABD", True), ("ABC", "AC", True), ("ABC", "ABCD", True)]
    + [("ABC", "BCA", False), ("ABC", "A", False), ("ABCD", "ABDC", False)],
)
def test_within_one_edit(a: str, b: str, near: bool) -> None:
    assert within_one_edit(a, b) is near
