"""FrameResult: one frame and what the engine knows about it, as delivered to viewers."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.domain.detections import Detections
from engine.domain.event import Event
from engine.domain.frame import Frame


@dataclass(frozen=True)
class FrameResult:
    """Measured boxes when `analysed`, the tracker's prediction at this frame's pts otherwise
    (rows flagged `predicted`). Boxes always belong to this frame's pts. On an ALPR camera
    `plates` holds each shown track's plate read so far (track id -> text, in clear: whoever
    delivers it to a viewer masks it by role)."""

    frame: Frame
    detections: Detections
    analysed: bool
    events: list[Event] = field(default_factory=list)
    class_names: dict[int, str] = field(default_factory=dict)
    plates: dict[int, str] = field(default_factory=dict)
