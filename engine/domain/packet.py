"""VideoPacket: one compressed picture as the camera sent it, for relaying without re-encoding."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VideoPacket:
    """One H.264 (or H.265) access unit in Annex B form (start codes; parameter sets before
    keyframes).

    `pts` is the same source presentation time, in seconds and monotonic across loops and
    reconnects, that the decoded Frame of this packet carries: it is how a viewer pairs the
    picture with the detections computed for it. `codec` is FFmpeg's name ("h264", "hevc").
    """

    data: bytes
    pts: float
    keyframe: bool
    camera_id: str = ""
    codec: str = "h264"
