"""The relay's packets: the camera's own H.264 in Annex B, each with the pts of the frame decoded
from it (across a loop too), published before that frame; decoding them alone gives the same
pictures."""

from __future__ import annotations

import av
import numpy as np

from engine.domain import Frame
from engine.domain.packet import VideoPacket
from engine.sources.annexb import nal_types
from engine.sources.av_source import AvVideoSource
from tests.helpers import STREET_SHORT

NAL_IDR, NAL_SPS, NAL_PPS = 5, 7, 8


def _read(frames_wanted: int) -> tuple[list[Frame], list[VideoPacket], list[object]]:
    order: list[object] = []
    source = AvVideoSource(STREET_SHORT, loop=True, camera_id="cam", on_packet=order.append)
    frames: list[Frame] = []
    for frame in source.frames():
        order.append(frame)
        frames.append(frame)
        if len(frames) >= frames_wanted:
            break
    source.close()
    packets = [item for item in order if isinstance(item, VideoPacket)]
    return frames, packets, order


def test_packets_are_annex_b_with_the_pts_of_their_frames_across_a_loop():
    frames, packets, order = _read(300)  # the 11 s clip has about 265 frames: one loop
    assert any(f.discontinuity for f in frames)
    assert all(p.data.startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01")) for p in packets)
    assert {p.camera_id for p in packets} == {"cam"} and {p.codec for p in packets} == {"h264"}
    keyframes = [p for p in packets if p.keyframe]
    assert len(keyframes) >= 2  # one per pass at least
    for packet in keyframes:  # a viewer can start at any keyframe
        types = nal_types(packet.data)
        assert {NAL_SPS, NAL_PPS, NAL_IDR} <= set(types)
    published: set[float] = set()
    for item in order:  # every frame's packet went out before the frame
        if isinstance(item, VideoPacket):
            published.add(item.pts)
        else:
            assert item.pts in published, item
    assert len({p.pts for p in packets}) == len(packets)


def test_decoding_the_relayed_packets_gives_the_same_pictures_for_the_same_pts():
    frames, packets, _ = _read(120)
    decoder = av.CodecContext.create("h264", "r")
    by_tick = {round(p.pts * 90000): p.pts for p in packets}
    pictures: dict[float, np.ndarray] = {}
    for packet in packets:
        encoded = av.Packet(packet.data)
        encoded.pts = round(packet.pts * 90000)
        for picture in decoder.decode(encoded):
            pictures[by_tick[picture.pts]] = picture.to_ndarray(format="bgr24")
    for picture in decoder.decode(None):
        pictures[by_tick[picture.pts]] = picture.to_ndarray(format="bgr24")
    assert len(pictures) >= len(frames)
    for frame in frames:
        assert np.array_equal(pictures[frame.pts], frame.image), frame.index
