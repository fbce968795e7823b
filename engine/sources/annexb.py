"""H.264 and H.265 packets in Annex B form, as the relay wants them: start codes, and the
parameter sets (SPS, PPS; VPS for H.265) before every keyframe so that a viewer, or the relay's
one transcoder of an H.265 camera (engine.relay.transcode), can join at any keyframe.

MP4 files carry AVCC/HVCC (length-prefixed NAL units, parameter sets in the container's
extradata): FFmpeg's h264_mp4toannexb / hevc_mp4toannexb filters convert them. RTSP cameras
already send Annex B, but often only in the SDP's parameter sets: those are put in front of
keyframes that lack them.
"""

from __future__ import annotations

import re

import av
from av.bitstream import BitStreamFilterContext

from engine.domain.packet import VideoPacket

_START_CODE = re.compile(b"\x00\x00\x01")
NAL_SPS = 7
HEVC_NAL_SPS = 33
_SPS = {"h264": NAL_SPS, "hevc": HEVC_NAL_SPS}


def nal_types(data: bytes, codec: str = "h264") -> list[int]:
    """The NAL unit types of an Annex B buffer, in order (H.265 keeps them in bits 1-6)."""
    starts = [m.end() for m in _START_CODE.finditer(data) if m.end() < len(data)]
    if codec == "hevc":
        return [(data[i] >> 1) & 0x3F for i in starts]
    return [data[i] & 0x1F for i in starts]


class AnnexBPackets:
    """Converts one demuxed video stream's packets. `supported` is False for codecs other than
    H.264 and H.265 (they are not relayed)."""

    def __init__(self, stream: av.video.stream.VideoStream, camera_id: str = "") -> None:
        self.camera_id = camera_id
        self.codec = stream.codec_context.name
        self.supported = self.codec in _SPS
        extradata = bytes(stream.codec_context.extradata or b"")
        self._filter: BitStreamFilterContext | None = None
        self._parameter_sets = b""
        if self.supported and extradata[:1] == b"\x01":  # avcC / hvcC: length-prefixed packets
            self._filter = BitStreamFilterContext(f"{self.codec}_mp4toannexb", stream)
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
            sps = _SPS[self.codec]
            if keyframe and self._parameter_sets and sps not in nal_types(data, self.codec):
                data = self._parameter_sets + data
        if not data:
            return None
        return VideoPacket(data, pts, keyframe, self.camera_id, self.codec)
