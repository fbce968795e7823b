"""The tick written into each relayed packet comes back on the decoded frame, through B-frame
reordering and whatever its bytes are; the pictures are unchanged by it."""

from __future__ import annotations

import av
import numpy as np
import pytest

from engine.domain.packet import VideoPacket
from engine.relay.sei import read_tick, with_tick
from engine.sources.av_source import AvVideoSource
from tests.helpers import STREET_SHORT


def _packets(count: int) -> list[VideoPacket]:
    packets: list[VideoPacket] = []
    source = AvVideoSource(STREET_SHORT, on_packet=packets.append)
    for _frame in source.frames():
        if len(packets) >= count:
            break
    source.close()
    return packets


def _decode(packets: list[bytes]) -> list[av.VideoFrame]:
    decoder = av.CodecContext.create("h264", "r")
    frames: list[av.VideoFrame] = []
    for i, data in enumerate(packets):
        packet = av.Packet(data)
        packet.pts = i
        frames += decoder.decode(packet)
    return frames + decoder.decode(None)


@pytest.mark.parametrize("offset", [0, 1, 0x00000100, 0xFFFFFF00, 2**32 - 60])
def test_each_decoded_frame_carries_its_packets_tick(offset: int) -> None:
    packets = _packets(60)
    ticks = {i: (offset + 3600 * i) & 0xFFFFFFFF for i in range(len(packets))}
    plain = _decode([p.data for p in packets])
    tagged = _decode([with_tick(p.data, ticks[i]) for i, p in enumerate(packets)])
    assert len(tagged) == len(plain) >= 50
    for with_sei, without in zip(tagged, plain, strict=True):
        assert read_tick(with_sei) == ticks[with_sei.pts]
        assert read_tick(without) is None
        assert np.array_equal(
            with_sei.to_ndarray(format="bgr24"), without.to_ndarray(format="bgr24")
        )
