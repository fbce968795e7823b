"""The event list reads newest first even when events arrive out of time order (a `left` is
stamped when its track was last seen; camera processes report independently)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from console.events.event_model import EventTableModel
from engine.domain import Event, EventKind

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)


def _event(seconds: int, kind: EventKind = EventKind.ENTERED) -> Event:
    return Event(
        camera_id="cam",
        kind=kind,
        track_id=seconds,
        class_name="car",
        class_id=2,
        score=0.8,
        box=(0, 0, 10, 10),
        timestamp=T0 + timedelta(seconds=seconds),
        pts=float(seconds),
    )


def test_live_events_are_listed_newest_first_whatever_their_arrival_order(qapp) -> None:
    model = EventTableModel(camera_name=lambda camera_id: camera_id)
    arrivals = [_event(5), _event(9), _event(2, EventKind.LEFT), _event(7), _event(9)]
    for event in arrivals:
        model.add(event)
    model.add(arrivals[1])  # the same event again (also read from storage): listed once
    shown = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    stamps = [model.event_at(row).timestamp for row in range(model.rowCount())]
    assert stamps == sorted(stamps, reverse=True)
    assert len(shown) == 5
    assert model.event_at(model.rowCount() - 1).kind is EventKind.LEFT
