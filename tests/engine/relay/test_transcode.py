"""An H.265 camera's packets (a bundled clip re-encoded with libx265 in the test) become H.264
with the pts of their pictures: decoding them gives the camera's pictures (lossy, close), each
carrying the relay's tick; the camera's keyframes stay keyframes and a viewer can ask for one.
One CameraRelay per camera: H.264 reaches its viewers byte for byte, H.265 through one shared
transcoder."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest

from engine.domain import Frame
from engine.domain.packet import VideoPacket
from engine.relay.camera_relay import CameraRelay
from engine.relay.sei import read_tick, with_tick
from engine.relay.transcode import H264Transcoder
from engine.sources.annexb import nal_types
from engine.sources.av_source import AvVideoSource
from tests.engine.storage.helpers import wait_for
from tests.helpers import STREET_SHORT

from .hevc_clip import psnr, write_hevc

FRAMES = 60
HEVC_VPS, HEVC_SPS, HEVC_PPS = 32, 33, 34
H264_IDR, H264_SPS, H264_PPS = 5, 7, 8


@pytest.fixture(scope="module")
def hevc_camera(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Frame], list[VideoPacket]]:
    """What an H.265 camera gives the engine: decoded frames and Annex B packets."""
    clip = write_hevc(STREET_SHORT, tmp_path_factory.mktemp("hevc") / "street.mp4", FRAMES)
    packets: list[VideoPacket] = []
    source = AvVideoSource(clip, camera_id="cam", on_packet=packets.append)
    frames = list(source.frames())
    source.close()
    return frames, packets


def test_an_hevc_camera_relays_annex_b_with_parameter_sets_on_keyframes(hevc_camera) -> None:
    frames, packets = hevc_camera
    assert len(frames) == FRAMES and {p.codec for p in packets} == {"hevc"}
    keyframes = [p for p in packets if p.keyframe]
    assert len(keyframes) >= 2
    for packet in keyframes:
        assert {HEVC_VPS, HEVC_SPS, HEVC_PPS} <= set(nal_types(packet.data, "hevc"))
    assert {f.pts for f in frames} == {p.pts for p in packets}


def test_transcoded_pictures_are_h264_with_the_pts_and_pictures_of_the_camera(
    hevc_camera,
) -> None:
    frames, packets = hevc_camera
    transcoder = H264Transcoder("cam")
    out = [h264 for packet in packets for h264 in transcoder.transcode(packet)]
    assert {p.codec for p in out} == {"h264"} and transcoder.frames_encoded == len(out)
    by_pts = {f.pts: f for f in frames}
    # Each picture once, in picture order, with its frame's own pts (the pairing key).
    pts = [p.pts for p in out]
    assert pts == sorted(pts) and len(set(pts)) == len(pts) and set(pts) <= set(by_pts)
    assert len(out) >= FRAMES - 5  # the decoder's last pictures wait for a flush
    assert out[0].keyframe and {H264_SPS, H264_PPS, H264_IDR} <= set(nal_types(out[0].data))
    camera_keyframes = {p.pts for p in packets if p.keyframe}
    assert camera_keyframes & set(pts) <= {p.pts for p in out if p.keyframe}

    decoder = av.CodecContext.create("h264", "r")
    ticks = {}
    for n, packet in enumerate(out):
        tick = 3000 * n + 7
        ticks[tick] = packet.pts
        encoded = av.Packet(with_tick(packet.data, tick))
        encoded.pts = n
        for picture in decoder.decode(encoded):
            shown = by_pts[ticks[read_tick(picture)]]
            assert psnr(picture.to_ndarray(format="bgr24"), shown.image) > 30, shown.index


def test_a_keyframe_comes_when_asked(hevc_camera) -> None:
    _frames, packets = hevc_camera
    transcoder = H264Transcoder("cam")
    out = [h264 for packet in packets[:20] for h264 in transcoder.transcode(packet)]
    assert [p.keyframe for p in out[1:]] == [False] * (len(out) - 1)
    transcoder.request_keyframe()
    later = [h264 for packet in packets[20:30] for h264 in transcoder.transcode(packet)]
    assert later[0].keyframe and {H264_SPS, H264_IDR} <= set(nal_types(later[0].data))


class Viewer:
    """What a CameraRelay needs of a viewer's track."""

    def __init__(self) -> None:
        self.packets: list[VideoPacket] = []
        self.wants_keyframe = False
        self.arrived = threading.Event()

    def push(self, packet: VideoPacket) -> None:
        self.packets.append(packet)
        self.arrived.set()


class Camera:
    """A camera's packet topic: subscribers and whether they left."""

    def __init__(self) -> None:
        self.subscribers: list = []

    def subscribe(self, callback):
        self.subscribers.append(callback)
        camera = self

        class Subscription:
            def cancel(self) -> None:
                camera.subscribers.remove(callback)

        return Subscription()

    def send(self, packets: list[VideoPacket]) -> None:
        for packet in packets:
            for callback in list(self.subscribers):
                callback(packet)


def test_an_h264_camera_reaches_every_viewer_as_sent(tmp_path: Path) -> None:
    packets: list[VideoPacket] = []
    source = AvVideoSource(STREET_SHORT, camera_id="cam", on_packet=packets.append)
    for frame in source.frames():
        if frame.index >= 30:
            break
    source.close()
    camera, started = Camera(), []
    relay = CameraRelay("cam", camera.subscribe, started.append)
    viewers = [Viewer(), Viewer()]
    for viewer in viewers:
        relay.add(viewer)  # type: ignore[arg-type]
    camera.send(packets)
    assert len(camera.subscribers) == 1 and started == [] and relay.transcoder is None
    for viewer in viewers:
        assert all(a is b for a, b in zip(viewer.packets, packets, strict=True))
    relay.close()
    assert camera.subscribers == []


def test_an_hevc_camera_is_transcoded_once_for_all_its_viewers(hevc_camera) -> None:
    _frames, packets = hevc_camera
    camera, started = Camera(), []
    relay = CameraRelay("cam", camera.subscribe, started.append)
    viewers = [Viewer(), Viewer(), Viewer()]
    for viewer in viewers:
        relay.add(viewer)  # type: ignore[arg-type]
    camera.send(packets[:30])
    assert len(started) == 1 and relay.transcoder is started[0]
    transcoder = started[0]
    # Its thread delivers: all but the pictures the decoder still holds for reordering.
    wait_for(lambda: all(len(v.packets) >= 25 for v in viewers), timeout=60)
    assert 25 <= transcoder.frames_encoded <= 30  # once per picture, not once per viewer
    for viewer in viewers[1:]:
        assert [p.data for p in viewer.packets] == [p.data for p in viewers[0].packets]
    assert {p.codec for p in viewers[0].packets} == {"h264"}
    relay.close()
    assert camera.subscribers == [] and relay.transcoder is None
