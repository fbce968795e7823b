"""H.264 packets in Annex B form, as WebRTC's packetiser wants them: start codes, and the
parameter sets (SPS, PPS) before every keyframe so that a viewer can join at any keyframe.

MP4 files carry AVCC (length-prefixed NAL units, parameter sets in the container's extradata):
FFmpeg's h264_mp4toannexb filter converts them. RTSP cameras already send Annex B, but often
only in the SDP's parameter sets: those are put in front of keyframes that lack them.
"""

from __future__ import annotations

import re

import av
from av.bitstream import BitStreamFilterContext

from engine.domain.packet import VideoPacket

_START_CODE = re.compile(b"\x00\x00\x01")
NAL_SPS = 7


def nal_types(data: bytes) -> list[int]:
    """The NAL unit types of an Annex B buffer, in order."""
    return [data[m.end()] & 0x1F for m in _START_CODE.finditer(data) if m.end() < len(data)]


class AnnexBPackets:
    """Converts one demuxed video stream's packets. `supported` is False for codecs other than
    H.264 (they are not relayed: an H.265 camera would need one transcode per camera)."""

    def __init__(self, stream: av.video.stream.VideoStream, camera_id: str = "") -> None:
        self.camera_id = camera_id
        self.codec = stream.codec_context.name
        self.supported = self.codec == "h264"
        extradata = bytes(stream.codec_context.extradata or b"")
        self._filter: BitStreamFilterContext | None = None
        self._parameter_sets = b""
        if self.supported and extradata[:1] == b"\x01":  # avcC: AVCC packets
            self._filter = BitStreamFilterContext("h264_mp4toannexb", stream)
        elif self.supported:
            self._parameter_sets = extradata

    def convert(self, packet: av.Packet, pts: float) -> VideoPacket | None:
        """The packet as Annex B with `pts` (the source's monotonic seconds). Consumes the
        packet (FFmpeg's filter takes its data): decode it first. None when nothing to relay."""
        if not self.supported or packet.size == 0:
            return None
        keyframe = bool(packet.is_keyframe)
        if self._filter is not None:
            data = b"".join(bytes(out) for out in self._filter.filter(packet))
        else:
            data = bytes(packet)
            if keyframe and self._parameter_sets and NAL_SPS not in nal_types(data):
                data = self._parameter_sets + data
        if not data:
            return None
        return VideoPacket(data, pts, keyframe, self.camera_id, self.codec)
