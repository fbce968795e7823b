"""A real RTSP camera for tests and benchmarks: GStreamer's RTSP server streaming an MP4 clip's
H.264 as is (no re-encode), looped without end.

Run by Debian's /usr/bin/python3 (its python3-gi is not in the venv), so it imports nothing of
Sentinel's. Usage: rtsp_server.py CLIP [--port P] [--path /cam] [--send-log FILE]. Prints
`READY rtsp://...` on stdout once it listens. Timestamps keep growing across loops, as a live
camera's do.

`--send-log FILE` (bench/latency.py) appends a line per frame as its last RTP packet leaves the
payloader: `frame PTS_NS MONOTONIC_NS WALL_NS` (buffer pts, CLOCK_MONOTONIC and wall clock in
ns), after a `media N` line each time a new viewer session starts (pts restart there).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import TextIO

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtp", "1.0")
from gi.repository import GLib, Gst, GstRtp, GstRtspServer  # noqa: E402


class ClipLoop:
    """Plays the clip's H.264 access units in real time, looped by segment seeks (no EOS, so
    nothing ends), into the appsrc of whichever RTSP media is connected: a live camera."""

    def __init__(self, clip: str, send_log: TextIO | None = None) -> None:
        self._send_log = send_log
        self._media_count = 0
        location = clip.replace("\\", "\\\\").replace('"', '\\"')
        self.pipeline = Gst.parse_launch(
            f'filesrc location="{location}" ! qtdemux ! h264parse config-interval=-1 '
            "! video/x-h264,stream-format=byte-stream,alignment=au "
            "! appsink name=out sync=true emit-signals=true max-buffers=4"
        )
        self.pipeline.get_by_name("out").connect("new-sample", self._on_sample)
        self._appsrc: Gst.Element | None = None
        self._offset: int | None = None
        self._last_pts: int | None = None
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::segment-done", lambda *_: self._seek(Gst.SeekFlags.SEGMENT))
        bus.connect("message::error", self._on_error)

    def start(self) -> None:
        self.pipeline.set_state(Gst.State.PAUSED)
        self.pipeline.get_state(Gst.CLOCK_TIME_NONE)
        self._seek(Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT)
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self) -> None:
        self.pipeline.set_state(Gst.State.NULL)

    def attach(
        self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
    ) -> None:
        appsrc = media.get_element().get_by_name("src")
        appsrc.set_property(
            "caps", self.pipeline.get_by_name("out").get_static_pad("sink").get_current_caps()
        )
        self._offset = self._last_pts = None
        self._appsrc = appsrc
        media.connect("unprepared", lambda _m: self._detach(appsrc))
        if self._send_log is not None:
            self._media_count += 1
            self._send_log.write(f"media {self._media_count}\n")
            payloader = media.get_element().get_by_name("pay0").get_static_pad("src")
            probes = Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST
            payloader.add_probe(probes, self._on_rtp)

    def _on_rtp(self, _pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        """A frame has left when its last packet (RTP marker bit) leaves the payloader."""
        if info.type & Gst.PadProbeType.BUFFER_LIST:
            packets = info.get_buffer_list()
            buffers = [packets.get(i) for i in range(packets.length())]
        else:
            buffers = [info.get_buffer()]
        for buffer in buffers:
            ok, rtp = GstRtp.RTPBuffer.map(buffer, Gst.MapFlags.READ)
            if not ok:
                continue
            last = rtp.get_marker()
            rtp.unmap()
            if last and self._send_log is not None:
                now, wall = time.monotonic_ns(), time.time_ns()
                self._send_log.write(f"frame {buffer.pts} {now} {wall}\n")
        return Gst.PadProbeReturn.OK

    def _detach(self, appsrc: Gst.Element) -> None:
        if self._appsrc is appsrc:
            self._appsrc = None

    def _seek(self, flags: Gst.SeekFlags) -> None:
        self.pipeline.seek_simple(Gst.Format.TIME, flags, 0)

    def _on_sample(self, sink: Gst.Element) -> Gst.FlowReturn:
        sample = sink.emit("pull-sample")
        appsrc = self._appsrc
        clock = appsrc.get_clock() if appsrc is not None else None
        if appsrc is None or clock is None:
            return Gst.FlowReturn.OK  # nobody watching, or the media is not playing yet
        buffer = sample.get_buffer()
        # The clip's own timestamps, made continuous across loops (running time)...
        running = sample.get_segment().to_running_time(Gst.Format.TIME, buffer.pts)
        if self._offset is None:
            if buffer.has_flags(Gst.BufferFlags.DELTA_UNIT):
                return Gst.FlowReturn.OK  # a new viewer starts at a keyframe, as cameras send
            # ...moved onto the media pipeline's running time once, when a viewer joins.
            self._offset = clock.get_time() - appsrc.get_base_time() - running
        pts = running + self._offset
        if self._last_pts is not None and pts <= self._last_pts:
            # A loop's first frame lands on the last frame's time: shift on by one frame.
            step = buffer.duration if buffer.duration != Gst.CLOCK_TIME_NONE else Gst.SECOND // 25
            self._offset += self._last_pts + step - pts
            pts = self._last_pts + step
        self._last_pts = pts
        buffer = buffer.copy()
        buffer.pts = buffer.dts = pts
        appsrc.emit("push-buffer", buffer)
        return Gst.FlowReturn.OK

    def _on_error(self, _bus: Gst.Bus, message: Gst.Message) -> None:
        error, _debug = message.parse_error()
        print(f"clip pipeline error: {error.message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", help="an MP4 file with an H.264 video track")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--send-log", help="append each frame's send time here (see above)")
    args = parser.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))  # "0": the OS picks a free port
    send_log = open(args.send_log, "a", buffering=1) if args.send_log else None  # noqa: SIM115
    clip = ClipLoop(args.clip, send_log)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( appsrc name=src is-live=true format=time "
        "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)
    factory.connect("media-configure", clip.attach)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, lambda: loop.quit() or False)
    clip.start()
    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    clip.stop()
    if send_log is not None:
        send_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
