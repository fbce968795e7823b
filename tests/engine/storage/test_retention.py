from __future__ import annotations

import time
from datetime import timedelta

from engine.config.settings import RetentionSettings
from engine.domain import Event
from engine.storage import EventRepository, RetentionEnforcer, RetentionWorker
from engine.storage.blobs import BlobStorage

from .helpers import T0, MakeEvent

NOW = T0 + timedelta(days=100)


def stored_with_snapshot(
    repo: EventRepository, blobs: BlobStorage, make_event: MakeEvent, age_days: float, size: int
) -> Event:
    when = NOW - timedelta(days=age_days)
    key = blobs.put(b"j" * size, prefix="snapshots/cam-a", when=when)
    event = make_event(timestamp=when, snapshot=key)
    repo.add_many([event])
    return event


def test_events_past_max_age_go_with_their_snapshots(
    events_repo: EventRepository, blobs: BlobStorage, make_event: MakeEvent
) -> None:
    old = [stored_with_snapshot(events_repo, blobs, make_event, 40 + n, 100) for n in range(3)]
    old.append(make_event(timestamp=NOW - timedelta(days=31)))  # no snapshot
    events_repo.add_many(old[-1:])
    young = [stored_with_snapshot(events_repo, blobs, make_event, 29, 100) for _ in range(2)]
    enforcer = RetentionEnforcer(events_repo, blobs, RetentionSettings(max_age_days=30))

    report = enforcer.enforce(NOW)

    assert (report.deleted_events, report.deleted_snapshots, report.freed_bytes) == (4, 3, 300)
    assert sorted(e.id for e in events_repo.list()) == sorted(e.id for e in young)
    assert not any(blobs.exists(e.snapshot) for e in old if e.snapshot)
    assert all(e.snapshot and blobs.exists(e.snapshot) for e in young)
    assert enforcer.enforce(NOW).deleted_events == 0


def test_a_snapshot_another_event_still_uses_is_kept(
    events_repo: EventRepository, blobs: BlobStorage, make_event: MakeEvent
) -> None:
    old = stored_with_snapshot(events_repo, blobs, make_event, 40, 100)
    sharing = make_event(timestamp=NOW, snapshot=old.snapshot)
    events_repo.add_many([sharing])
    report = RetentionEnforcer(events_repo, blobs, RetentionSettings(max_age_days=30)).enforce(NOW)
    assert (report.deleted_events, report.deleted_snapshots) == (1, 0)
    assert sharing.snapshot and blobs.exists(sharing.snapshot)


def test_over_the_byte_budget_the_oldest_snapshots_go_first(
    events_repo: EventRepository, blobs: BlobStorage, make_event: MakeEvent
) -> None:
    # Stored out of age order, so insertion order cannot pass for age order.
    ages = [3, 5, 1, 4, 2]
    events = {age: stored_with_snapshot(events_repo, blobs, make_event, age, 1000) for age in ages}
    settings = RetentionSettings(max_age_days=30, max_snapshot_bytes=2500)

    report = RetentionEnforcer(events_repo, blobs, settings).enforce(NOW)

    assert (report.deleted_events, report.deleted_snapshots, report.freed_bytes) == (0, 3, 3000)
    assert blobs.total_bytes() == 2000
    assert events_repo.count() == 5  # the rows stay, without their snapshot
    for age, event in events.items():
        kept = events_repo.get(event.id)
        assert kept is not None
        assert (kept.snapshot is not None) == (age <= 2)
        assert event.snapshot and blobs.exists(event.snapshot) == (age <= 2)


def test_the_worker_enforces_while_running_and_stops(
    events_repo: EventRepository, blobs: BlobStorage, make_event: MakeEvent
) -> None:
    for age in (50, 45, 40):
        stored_with_snapshot(events_repo, blobs, make_event, age, 10)
    settings = RetentionSettings(max_age_days=30, check_interval_s=0.05)
    worker = RetentionWorker(RetentionEnforcer(events_repo, blobs, settings), clock=lambda: NOW)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while (events_repo.count() or blobs.total_bytes()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert events_repo.count() == 0
        assert blobs.total_bytes() == 0
        # Later arrivals are caught by a later pass.
        stored_with_snapshot(events_repo, blobs, make_event, 35, 10)
        passes = worker.passes
        while (events_repo.count() or worker.passes <= passes) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert events_repo.count() == 0
    finally:
        worker.stop()
    assert not worker.running
