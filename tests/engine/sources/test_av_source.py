"""Files and streams: pts per frame, monotonic across loops, clear errors on bad input."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from engine.sources.av_source import AvVideoSource
from engine.sources.base import SourceError
from tests.helpers import STREET_SHORT


def test_frames_carry_source_pts_and_decode_index():
    source = AvVideoSource(STREET_SHORT)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == 48:
            break
    source.close()
    assert [f.index for f in frames] == list(range(48))
    period = np.diff([f.pts for f in frames])
    assert np.allclose(period, 1 / 24.04, atol=0.005)
    assert frames[0].image.shape == (352, 640, 3)
    assert not any(f.discontinuity for f in frames)


def test_looping_file_keeps_pts_monotonic_and_flags_the_loop():
    source = AvVideoSource(STREET_SHORT, loop=True)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) >= 600:  # a little over two passes of the 11 s clip
            break
    source.close()
    pts = np.array([f.pts for f in frames])
    assert (np.diff(pts) > 0).all()
    loops = [f for f in frames if f.discontinuity]
    assert len(loops) == 2
    # pts continue one frame period after the last frame of the previous pass
    for first in loops:
        before = frames[first.index - 1]
        assert 0 < first.pts - before.pts < 0.1


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda tmp: str(tmp / "missing.mp4"), "not found"),
        (lambda tmp: _garbage(tmp), "cannot open"),
        (lambda tmp: f"rtsp://127.0.0.1:{_closed_port()}/camera", "cannot open"),
    ],
    ids=["missing-file", "garbage-file", "unreachable-rtsp"],
)
def test_bad_sources_fail_fast_with_a_clear_error(tmp_path, make_url, message):
    with pytest.raises(SourceError, match=message):
        AvVideoSource(make_url(tmp_path)).open()


def _garbage(tmp) -> str:
    path = tmp / "garbage.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 255, 50_000, dtype=np.uint8).tobytes())
    return str(path)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
