"""What an H.265 camera's live video costs the server: one transcode to H.264 per camera,
beside the physical limit and beside transcoding per viewer.

The same H.265 packets (a bundled clip re-encoded with libx265 before timing, B-frames and
all: what an H.265 camera sends) go through three sides:
  decode      H.265 decode alone (the limit: no transcode can cost less)
  once        engine.relay.transcode.H264Transcoder: decode + libx264 ultrafast/zerolatency,
              what the server runs per camera whatever the number of viewers
  per_viewer  `--viewers` such transcoders over the same packets: what a transcode per viewer
              would cost (the design the relay does not use)
interleaved `--repeats` times; medians reported. Per side: wall ms per frame and CPU ms per
frame (the process's CPU time, all threads: x264 and FFmpeg use several), and the CPU one
camera at the clip's frame rate needs, as % of one core.

    .venv/bin/python bench/transcode.py --frames 300 --repeats 3 --viewers 4

The last line is JSON: decode_ms, once_ms, per_viewer_ms (wall ms per frame), *_cpu_ms,
once_cpu_percent (one camera at the clip's fps, 100 = one core), per_viewer_cpu_percent,
once_over_decode, per_viewer_over_once, frames, viewers, repeats, size, fps, loadavg.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402

from engine.domain.packet import VideoPacket  # noqa: E402
from engine.relay.transcode import H264Transcoder  # noqa: E402
from engine.sources.av_source import AvVideoSource  # noqa: E402


def hevc_packets(clip: Path, count: int, folder: Path) -> tuple[list[VideoPacket], float, str]:
    """The first `count` pictures of `clip` as an H.265 camera's Annex B packets (encoded with
    libx265 at high quality, a keyframe a second), with the clip's fps and size."""
    target = folder / "camera.mp4"
    with av.open(str(clip)) as reader, av.open(str(target), "w") as writer:
        stream = reader.streams.video[0]
        fps = float(stream.average_rate or 25)
        out = writer.add_stream("libx265", rate=stream.average_rate or 25)
        out.width, out.height, out.pix_fmt = stream.width, stream.height, "yuv420p"
        gop = round(fps)
        out.options = {
            "preset": "fast",
            "crf": "23",
            "x265-params": f"log-level=error:keyint={gop}:min-keyint={gop}",
        }
        for n, picture in enumerate(reader.decode(stream)):
            if n >= count:
                break
            image = picture.to_ndarray(format="bgr24")
            for packet in out.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                writer.mux(packet)
        for packet in out.encode():
            writer.mux(packet)
        size = f"{stream.width}x{stream.height}"
    packets: list[VideoPacket] = []
    source = AvVideoSource(target, camera_id="bench", on_packet=packets.append)
    for _ in source.frames():
        pass
    source.close()
    return packets, fps, size


def run_decode(packets: list[VideoPacket]) -> tuple[float, float]:
    decoder = av.CodecContext.create("hevc", "r")
    decoder.thread_type = "SLICE"  # as the transcoder's decoder
    pictures = 0

    def work() -> None:
        nonlocal pictures
        for n, packet in enumerate(packets):
            encoded = av.Packet(packet.data)
            encoded.pts = n
            pictures += len(decoder.decode(encoded))

    wall, cpu = timed(work)
    return wall / pictures, cpu / pictures


def run_transcoders(packets: list[VideoPacket], count: int) -> tuple[float, float]:
    """`count` transcoders over the same packets; ms per source picture for all of them."""
    transcoders = [H264Transcoder("bench") for _ in range(count)]

    def work() -> None:
        for packet in packets:
            for transcoder in transcoders:
                transcoder.transcode(packet)

    wall, cpu = timed(work)
    pictures = transcoders[0].frames_encoded
    return wall / pictures, cpu / pictures


def timed(work) -> tuple[float, float]:
    """Wall and CPU (this process, all threads) milliseconds of `work()`."""
    cpu_before, started = time.process_time(), time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1e3, (time.process_time() - cpu_before) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clip", type=Path, default=ROOT / "resources/clips/traffic_street_fixedcam.mp4"
    )
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--viewers", type=int, default=4, help="viewers of the per-viewer side")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        packets, fps, size = hevc_packets(args.clip, args.frames, Path(folder))
    print(
        f"{len(packets)} H.265 packets of {args.clip.name} ({size} at {fps:.2f} fps), "
        f"{args.viewers} viewers on the per-viewer side, PyAV {av.__version__}",
        file=sys.stderr,
    )
    wall: dict[str, list[float]] = {"decode": [], "once": [], "per_viewer": []}
    cpu: dict[str, list[float]] = {"decode": [], "once": [], "per_viewer": []}
    run_transcoders(packets[: 2 * round(fps)], 1)  # warm-up: libraries loaded, caches filled
    for repeat in range(args.repeats):
        for side, run in (
            ("decode", lambda: run_decode(packets)),
            ("once", lambda: run_transcoders(packets, 1)),
            ("per_viewer", lambda: run_transcoders(packets, args.viewers)),
        ):
            side_ms, side_cpu_ms = run()
            wall[side].append(side_ms)
            cpu[side].append(side_cpu_ms)
        print(
            f"repeat {repeat + 1}: "
            + ", ".join(f"{s} {wall[s][-1]:.2f} ms ({cpu[s][-1]:.2f} cpu ms)" for s in wall),
            file=sys.stderr,
        )
    ms = {side: statistics.median(values) for side, values in wall.items()}
    cpu_ms = {side: statistics.median(values) for side, values in cpu.items()}
    summary = {
        "decode_ms": round(ms["decode"], 2),
        "once_ms": round(ms["once"], 2),
        "per_viewer_ms": round(ms["per_viewer"], 2),
        "decode_cpu_ms": round(cpu_ms["decode"], 2),
        "once_cpu_ms": round(cpu_ms["once"], 2),
        "per_viewer_cpu_ms": round(cpu_ms["per_viewer"], 2),
        # CPU of one camera's video at its own frame rate: 100 = one core busy.
        "once_cpu_percent": round(cpu_ms["once"] * fps / 10, 1),
        "per_viewer_cpu_percent": round(cpu_ms["per_viewer"] * fps / 10, 1),
        "once_over_decode": round(ms["once"] / ms["decode"], 2),
        "per_viewer_over_once": round(ms["per_viewer"] / ms["once"], 2),
        "frames": len(packets),
        "viewers": args.viewers,
        "repeats": args.repeats,
        "size": size,
        "fps": round(fps, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
