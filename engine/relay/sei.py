"""The frame key inside the picture: each relayed access unit gets an H.264 SEI message
(user data unregistered, our UUID) holding its RTP tick, so a viewer reads the key off the
decoded frame itself (FFmpeg exports it as frame side data) - exact whatever was lost on the way
or where the receiver's RTP clock started. A few bytes per frame; the pictures are untouched."""

from __future__ import annotations

import re
import uuid
from typing import Any

SEI_UUID = uuid.UUID("6d1d9b05-42d5-44e6-9c07-8b9b6a5e0f11").bytes
NAL_SEI = 6
USER_DATA_UNREGISTERED = 5
_START = re.compile(b"\x00\x00\x01")
_ESCAPE = re.compile(b"\x00\x00(?=[\x00-\x03])")


def tick_sei(tick: int) -> bytes:
    """An Annex B SEI NAL unit carrying `tick` (emulation-prevention bytes added)."""
    payload = SEI_UUID + tick.to_bytes(8, "big")
    body = bytes([USER_DATA_UNREGISTERED, len(payload)]) + payload + b"\x80"
    return b"\x00\x00\x00\x01" + bytes([NAL_SEI]) + _ESCAPE.sub(b"\x00\x00\x03", body)


def with_tick(access_unit: bytes, tick: int) -> bytes:
    """The access unit with the tick SEI in front of its first slice (after the parameter
    sets, where SEI belongs)."""
    for match in _START.finditer(access_unit):
        end = match.end()
        if end < len(access_unit) and 1 <= access_unit[end] & 0x1F <= 5:  # a slice
            start = (
                match.start() - 1
                if match.start() and not access_unit[match.start() - 1]
                else match.start()
            )
            return access_unit[:start] + tick_sei(tick) + access_unit[start:]
    return access_unit + tick_sei(tick)


def read_tick(frame: Any) -> int | None:
    """The tick a decoded av.VideoFrame carries, None if it has none."""
    for side_data in frame.side_data:
        data = bytes(side_data)
        if len(data) >= 24 and data[:16] == SEI_UUID:
            return int.from_bytes(data[16:24], "big")
    return None
