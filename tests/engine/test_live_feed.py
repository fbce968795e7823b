"""LiveFeed: every subscriber gets its own bounded queue; one that never reads loses its
oldest messages (and is told how many), while the publisher and the others carry on."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import numpy as np

from engine.domain import Detections, Event, EventKind, Frame, FrameResult
from engine.domain.live import LiveDetections, LiveEvent, LivePong
from engine.live_feed import LiveFeed
from engine.subscribers import SubscriberHub

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)


def result(index: int, analysed: bool = True, camera_id: str = "cam-a") -> FrameResult:
    frame = Frame(np.zeros((4, 4, 3), np.uint8), index, index / 25, T0, camera_id)
    boxes = Detections(xyxy=[[1, 2, 3, 4]], score=[0.9], class_id=[2], track_id=[7])
    return FrameResult(frame, boxes, analysed, class_names={2: "car"})


def test_a_slow_subscriber_loses_its_oldest_messages_and_nobody_waits() -> None:
    hub = SubscriberHub()
    feed = LiveFeed(maxsize=8).attach(hub.subscribe)
    slow = feed.open(wake=lambda: None)
    fast = feed.open(wake=lambda: None, maxsize=1000)
    publisher = threading.Thread(
        target=lambda: [hub.publish("frames", result(i)) for i in range(1000)]
    )
    publisher.start()
    publisher.join(60)
    assert not publisher.is_alive()  # the camera thread never blocked on the slow viewer

    got, lost = fast.take()
    assert lost == 0 and [m.frame for m in got] == list(range(1000))  # type: ignore[attr-defined]
    got, lost = slow.take()
    assert lost == 992 and [m.frame for m in got] == list(range(992, 1000))  # type: ignore[attr-defined]
    assert slow.take() == ([], 0)  # a loss is reported once


def test_messages_are_contract_shaped_and_filtered_per_subscriber() -> None:
    hub = SubscriberHub()
    feed = LiveFeed().attach(hub.subscribe)
    woken = threading.Event()
    mine = feed.open(woken.set, accept=lambda m: m.camera_id == "cam-a")  # type: ignore[attr-defined]
    event = Event(
        camera_id="cam-a",
        kind=EventKind.ENTERED,
        track_id=7,
        class_name="car",
        class_id=2,
        score=0.9,
        box=(1, 2, 3, 4),
        pts=0.04,
    )
    hub.publish("frames", result(1))
    hub.publish("frames", result(2, analysed=False))  # predicted frames stay in-process
    hub.publish("frames", result(3, camera_id="cam-b"))
    hub.publish("events", event)
    mine.ping()
    assert woken.is_set()
    got, _ = mine.take()
    assert [type(m) for m in got] == [LiveDetections, LiveEvent, LivePong]
    assert got[0].model_dump(mode="json") == {
        "type": "detections",
        "camera_id": "cam-a",
        "timestamp": "2026-01-10T12:00:00Z",
        "pts": 0.04,
        "frame": 1,
        "detections": [
            {
                "class": "car",
                "class_id": 2,
                "score": 0.9,
                "box": [1.0, 2.0, 3.0, 4.0],
                "track_id": 7,
            }
        ],
    }
    assert got[1].event == event  # type: ignore[attr-defined]
    mine.cancel()
    hub.publish("events", event)
    assert feed.subscribers == 0 and mine.take() == ([], 0)
