"""H.265 clips made in the test from an existing clip (PyAV's libx265): what an H.265 camera
sends, B-frames and all, in an MP4 (hvcC) as files carry it."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_hevc(source: Path, target: Path, frames: int | None = None, gop: int = 25) -> Path:
    """The first `frames` pictures of `source` (all by default) as H.265 at high quality,
    a keyframe every `gop` pictures."""
    with av.open(str(source)) as reader, av.open(str(target), "w") as writer:
        stream = reader.streams.video[0]
        out = writer.add_stream("libx265", rate=stream.average_rate or 25)
        out.width, out.height, out.pix_fmt = stream.width, stream.height, "yuv420p"
        out.options = {
            "preset": "ultrafast",
            "crf": "14",
            "x265-params": f"log-level=error:keyint={gop}:min-keyint={gop}",
        }
        for n, picture in enumerate(reader.decode(stream)):
            if frames is not None and n >= frames:
                break
            image: np.ndarray = picture.to_ndarray(format="bgr24")
            for packet in out.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                writer.mux(packet)
        for packet in out.encode():
            writer.mux(packet)
    return target


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0**2 / error))
