"""Source fixtures: a real RTSP camera (GStreamer's server) streaming a bundled clip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import STREET_SHORT
from tests.rtsp import RtspCamera


@pytest.fixture
def rtsp_camera() -> Iterator[RtspCamera]:
    """The street clip looped at `rtsp_camera.url`; the test may stop and restart it (same port)."""
    camera = RtspCamera(STREET_SHORT)
    camera.start()
    yield camera
    camera.stop()
