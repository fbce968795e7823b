"""Remote pictures and their detection messages: paired by RTP tick, delivered in order, a
picture whose message is late shown without boxes once its wait is over (never held longer)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from engine.client.frame_matcher import FrameMatcher
from engine.domain import FrameResult
from engine.relay.messages import DetectionRecord, FrameDetections, rtp_tick

FIRST_PTS = 10.0
PERIOD = 0.04


def _message(i: int) -> FrameDetections:
    pts = FIRST_PTS + i * PERIOD
    box = DetectionRecord.model_validate(
        {
            "box": [i, 2, i + 10, 12],
            "class": "car",
            "class_id": 2,
            "score": 0.5,
            "track_id": 7,
            "predicted": i % 2 == 1,
        }
    )
    return FrameDetections(
        tick=rtp_tick(pts, FIRST_PTS),
        pts=pts,
        index=100 + i,
        timestamp=datetime(2026, 1, 1, tzinfo=timezone.utc),
        analysed=i % 2 == 0,
        detections=[box],
    )


def _picture(i: int) -> np.ndarray:
    return np.full((4, 4, 3), i, np.uint8)


def test_pictures_wait_for_their_messages_and_keep_their_order():
    shown: list[FrameResult] = []
    matcher = FrameMatcher("cam", shown.append, wait_s=0.2)
    assert matcher.add_picture(_message(0).tick, _picture(0), now=0.0) == 0.2
    assert matcher.add_picture(_message(1).tick, _picture(1), now=0.04) == pytest.approx(0.16)
    matcher.add_message(_message(1), now=0.05)  # the second's message first: both still wait
    assert shown == []
    assert matcher.add_message(_message(0), now=0.06) is None
    assert [r.frame.pts for r in shown] == [FIRST_PTS, FIRST_PTS + PERIOD]
    assert [int(r.frame.image[0, 0, 0]) for r in shown] == [0, 1]
    first, second = shown
    assert first.analysed and not second.analysed
    assert first.frame.index == 100 and first.class_names == {2: "car"}
    assert first.detections.xyxy.tolist() == [[0, 2, 10, 12]]
    assert list(second.detections.predicted) == [True] and list(first.detections.track_id) == [7]


def test_a_late_message_leaves_its_picture_without_boxes_at_its_own_pts():
    shown: list[FrameResult] = []
    matcher = FrameMatcher("cam", shown.append, wait_s=0.2)
    matcher.add_message(_message(0), now=0.0)
    matcher.add_picture(_message(0).tick, _picture(0), now=0.0)
    matcher.add_picture(_message(1).tick, _picture(1), now=0.04)
    assert matcher.add_picture(_message(2).tick, _picture(2), now=0.08) is not None
    assert len(shown) == 1
    assert matcher.flush(now=0.25) is not None  # picture 1's wait is over, picture 2's is not
    late = shown[1]
    assert late.frame.pts == FIRST_PTS + PERIOD and len(late.detections) == 0
    assert not late.analysed and late.frame.index == 101
    matcher.add_message(_message(1), now=0.26)  # too late: not shown again
    matcher.add_message(_message(2), now=0.27)
    assert [r.frame.pts for r in shown] == [FIRST_PTS + i * PERIOD for i in range(3)]
    assert (matcher.matched, matcher.unmatched) == (2, 1)


def test_ticks_wrap_around_32_bits():
    assert rtp_tick(FIRST_PTS + 2**32 / 90000 + 1.0, FIRST_PTS) == 90000
