"""CameraRelay: one camera's video for all of its viewers.

One subscription to the camera's packets per camera, however many watch. H.264 goes to each
viewer's track as the camera sent it (never decoded or encoded here); any other codec (H.265)
goes through ONE CameraTranscoder whose H.264 every viewer shares. The transcoder starts with
the camera's first such packet and stops when its last viewer leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from engine.domain.packet import VideoPacket
from engine.relay.track import PacketTrack
from engine.relay.transcode import CameraTranscoder

RELAYED_AS_IS = "h264"


class CameraRelay:
    """`subscribe_packets(callback)` subscribes to the camera's packets and returns something
    with `cancel()`. `on_transcoder` is told of each transcoder started (for counting)."""

    def __init__(
        self,
        camera_id: str,
        subscribe_packets: Callable[[Callable[[VideoPacket], None]], Any],
        on_transcoder: Callable[[CameraTranscoder], None] | None = None,
    ) -> None:
        self.camera_id = camera_id
        self._on_transcoder = on_transcoder
        self._lock = threading.Lock()
        self._tracks: list[PacketTrack] = []
        self.transcoder: CameraTranscoder | None = None
        self._closed = False
        self._subscription = subscribe_packets(self._on_packet)

    def add(self, track: PacketTrack) -> None:
        with self._lock:
            self._tracks.append(track)

    def remove(self, track: PacketTrack) -> bool:
        """Stop sending to `track`; True when no viewer is left."""
        with self._lock:
            if track in self._tracks:
                self._tracks.remove(track)
            return not self._tracks

    def close(self) -> None:
        self._subscription.cancel()
        with self._lock:
            self._closed = True
            transcoder, self.transcoder = self.transcoder, None
        if transcoder is not None:
            transcoder.close()

    def _on_packet(self, packet: VideoPacket) -> None:
        """The camera's thread."""
        if packet.codec == RELAYED_AS_IS:
            self._fan_out(packet)
            return
        transcoder = self._transcoder_for(packet.codec)
        if transcoder is not None:
            transcoder.push(packet)

    def _transcoder_for(self, codec: str) -> CameraTranscoder | None:
        with self._lock:
            if self._closed:
                return None
            current = self.transcoder
            if current is not None and current.source_codec == codec:
                return current
            self.transcoder = CameraTranscoder(self.camera_id, codec, self._fan_out)
            started = self.transcoder
        if current is not None:  # the camera changed codec (reconfigured): start afresh
            current.close()
        if self._on_transcoder is not None:
            self._on_transcoder(started)
        return started

    def _fan_out(self, packet: VideoPacket) -> None:
        with self._lock:
            tracks = list(self._tracks)
            transcoder = self.transcoder
        for track in tracks:
            track.push(packet)
        # A shared encoder makes a keyframe for whoever waits for one (a new viewer joining).
        if transcoder is not None and not packet.keyframe and any(t.wants_keyframe for t in tracks):
            transcoder.request_keyframe()
