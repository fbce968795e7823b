from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from engine.domain import EventKind
from engine.storage import BlobStore, Database, EventRepository
from engine.storage.models import EventRow

from .helpers import T0, MakeEvent


def test_events_read_back_equal_the_events_written(
    events_repo: EventRepository, make_event: MakeEvent
) -> None:
    plus_two = timezone(timedelta(hours=2))
    written = [
        make_event(snapshot="snapshots/cam-a/2024/05/01/a.jpg", site="north"),
        make_event(kind=EventKind.LEFT, box=(0.1, 0.2, 1e-300, 1.7976931348623157e308)),
        make_event(timestamp=(T0 + timedelta(minutes=5)).astimezone(plus_two), score=1 / 3),
    ]
    assert events_repo.add_many(written) == 3

    for event in written:
        got = events_repo.get(event.id)
        assert got == event
        assert got is not None and got.timestamp.utcoffset() == timedelta(0)
    # list is newest first; == compares every field, floats bit for bit
    assert events_repo.list() == sorted(written, key=lambda e: e.timestamp, reverse=True)


def test_get_of_an_unknown_id_is_none(events_repo: EventRepository, make_event: MakeEvent) -> None:
    assert events_repo.get(make_event().id) is None


def test_add_many_ignores_ids_already_stored(
    events_repo: EventRepository, make_event: MakeEvent
) -> None:
    first = [make_event() for _ in range(5)]
    assert events_repo.add_many(first) == 5
    assert events_repo.add_many(first) == 0
    changed = first[0].model_copy(update={"track_id": 999})  # same id, other content
    assert events_repo.add_many([*first[:2], changed, make_event(), make_event()]) == 2
    assert events_repo.get(first[0].id) == first[0]  # ignored, not overwritten
    assert events_repo.count() == 7
    again = make_event()
    assert events_repo.add_many([again, again]) == 1  # a duplicate inside one batch
    assert events_repo.add_many([]) == 0


@pytest.mark.parametrize(
    ("filters", "expected_tracks"),
    [
        ({}, list(range(12))),
        ({"camera_id": "cam-b"}, [1, 4, 7, 10]),
        ({"kind": EventKind.LEFT}, [1, 3, 5, 7, 9, 11]),
        ({"kind": "entered", "camera_id": "cam-a"}, [0, 6]),
        ({"start": T0 + timedelta(seconds=3), "end": T0 + timedelta(seconds=6)}, [3, 4, 5]),
        # the same range in another zone, and naive (meaning UTC)
        (
            {"start": (T0 + timedelta(seconds=3)).astimezone(timezone(timedelta(hours=-5)))},
            list(range(3, 12)),
        ),
        ({"end": (T0 + timedelta(seconds=2)).replace(tzinfo=None)}, [0, 1]),
        ({"camera_id": "cam-c", "start": T0 + timedelta(seconds=6)}, [8, 11]),
        ({"camera_id": "nobody"}, []),
    ],
)
def test_list_and_count_filter_by_camera_kind_and_time(
    events_repo: EventRepository, make_event: MakeEvent, filters: dict, expected_tracks: list[int]
) -> None:
    cameras, kinds = ["cam-a", "cam-b", "cam-c"], [EventKind.ENTERED, EventKind.LEFT]
    events_repo.add_many(
        [make_event(camera_id=cameras[n % 3], kind=kinds[n % 2]) for n in range(12)]
    )
    got = events_repo.list(**filters)
    assert [e.track_id for e in got] == sorted(expected_tracks, reverse=True)
    assert events_repo.count(**filters) == len(expected_tracks)


def test_list_pages_newest_first_without_gaps_or_overlap(
    events_repo: EventRepository, make_event: MakeEvent
) -> None:
    # Equal timestamps too: paging must still be a stable order.
    events = [make_event() for _ in range(7)] + [make_event(timestamp=T0) for _ in range(3)]
    events_repo.add_many(events)
    pages = [events_repo.list(limit=3, offset=offset) for offset in range(0, 12, 3)]
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    flat = [e for page in pages for e in page]
    assert sorted(e.id for e in flat) == sorted(e.id for e in events)
    assert [e.timestamp for e in flat] == sorted((e.timestamp for e in events), reverse=True)


def test_delete_older_than_returns_count_and_snapshot_keys(
    events_repo: EventRepository, make_event: MakeEvent
) -> None:
    old = [make_event(snapshot=f"s/{n}.jpg" if n % 2 else None) for n in range(4)]
    new = [make_event(snapshot="s/new.jpg")]
    events_repo.add_many(old + new)
    purged = events_repo.delete_older_than(new[0].timestamp)
    assert purged.count == 4
    assert sorted(purged.snapshots) == ["s/1.jpg", "s/3.jpg"]
    assert events_repo.list() == new


def test_oldest_with_snapshots_and_clearing_them(
    events_repo: EventRepository, make_event: MakeEvent
) -> None:
    events = [make_event(snapshot=None if n == 1 else f"s/{n}.jpg") for n in range(5)]
    events_repo.add_many(list(reversed(events)))
    oldest = events_repo.oldest_with_snapshots(2)
    assert [e.snapshot for e in oldest] == ["s/0.jpg", "s/2.jpg"]
    assert events_repo.clear_snapshots(e.id for e in oldest) == 2
    assert [e.snapshot for e in events_repo.oldest_with_snapshots(10)] == ["s/3.jpg", "s/4.jpg"]
    assert events_repo.referenced_snapshots(["s/0.jpg", "s/3.jpg", "s/x.jpg"]) == {"s/3.jpg"}
    assert events_repo.count() == 5


def test_snapshot_bytes_are_recorded_when_a_size_source_is_given(
    db: Database, blobs: BlobStore, make_event: MakeEvent
) -> None:
    key = blobs.put(b"x" * 1234, prefix="snapshots/cam-a")
    repo = EventRepository(db, snapshot_size=blobs.size)
    repo.add_many([make_event(snapshot=key), make_event(snapshot="missing.jpg"), make_event()])
    with db.sessions() as session:
        sizes = session.scalars(select(EventRow.snapshot_bytes).order_by(EventRow.timestamp))
        assert list(sizes) == [1234, 0, 0]
