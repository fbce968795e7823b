"""Overlay truth over WebRTC: the moving-square check of test_overlay_sync, with the engine
behind a real uvicorn server and the tile fed by the remote client (aiortc both ends). Every
painted frame is grabbed and its outline compared with where the square is at that pts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from console.video_wall.camera_tile import CameraTileWidget
from engine.assembly import open_engine
from engine.client.remote import login
from engine.client.webrtc import WebRtcVideo
from engine.domain import Camera, DetectionSettings, FrameResult
from engine.server import create_app
from engine.services import build_services
from engine.storage.repos.users import UserRepository
from tests.console import moving_square as sq
from tests.console.outline_recorder import Drawn, judge, record_outlines
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash

FRAMES = 130
# The check is of what is drawn on which frame, not of the wait bound: a picture whose boxes
# come later than this would show without them (engine.client.frame_matcher).
WAIT_S = 0.5


class FrameSignal(QObject):
    """Frames from the client's thread to the tile on the GUI thread (queued)."""

    frame = Signal(object)


@pytest.mark.parametrize("stride", [1, 5])
def test_remote_tile_draws_the_square_where_it_is_frame_by_frame(qtbot, tmp_path: Path, stride):
    xs = sq.square_track(FRAMES)
    clip = sq.write_clip(tmp_path / "square.mp4", xs)
    settings = make_settings(tmp_path, detector={"type": "colour-blob"})
    parts = open_engine(settings, realtime=True)
    camera = Camera(
        name="square", source=str(clip), loop=True, detection=DetectionSettings(stride=stride)
    )
    cid = str(camera.id)
    UserRepository(parts.database).add("viewer", password_hash(), "operator", [cid])
    services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
    parts.core.add_camera(camera)

    tile = CameraTileWidget("square")
    tile.assign(cid, "square")
    tile.resize(800, 380)
    qtbot.addWidget(tile)
    tile.show()
    relay = FrameSignal()
    relay.frame.connect(tile.show_result)
    analysed: dict[float, bool] = {}
    drawn: Drawn = {}

    def received(result: FrameResult) -> None:  # the client's thread
        analysed[result.frame.pts] = result.analysed
        relay.frame.emit(result)

    on_painted = record_outlines(tile, drawn)
    try:
        with running(create_app(services, settings, core=parts.core)) as port:
            base = f"http://127.0.0.1:{port}"
            video = WebRtcVideo(base, login(base, "viewer", PASSWORD), wait_s=WAIT_S)
            try:
                subscription = video.subscribe_frames(cid, received)
                qtbot.waitUntil(lambda: len(drawn) >= FRAMES + 50, timeout=60_000)
                tile.painted.disconnect(on_painted)
                matcher = subscription.matcher
            finally:
                video.close()
    finally:
        parts.close()

    failures = _check(xs, drawn, analysed)
    assert not failures, failures
    first, last = min(drawn), max(drawn)
    assert last - first > FRAMES / sq.FPS, "no loop boundary crossed"
    expected = round((last - first) * sq.FPS) + 1
    assert len(drawn) >= 0.95 * expected, (
        f"{len(drawn)} of {expected} painted, {len(analysed)} received"
    )
    assert matcher.unmatched <= 0.02 * len(analysed), (matcher.matched, matcher.unmatched)
    if stride > 1:
        assert any(not was and outline is not None for was, outline, _n in drawn.values())


def _check(
    xs: np.ndarray, drawn: Drawn, analysed: dict[float, bool]
) -> list[tuple[str, int, float]]:
    """The wall's rules: IoU >= 0.9 on analysed frames, >= 0.8 on predicted ones except before
    the second analysed frame after the square appears (each pass) or reverses."""
    done = sorted(round(p * sq.FPS) for p, was in analysed.items() if was)
    passes = range(int(min(analysed) * sq.FPS) // FRAMES, int(max(analysed) * sq.FPS) // FRAMES + 1)
    excused: set[int] = set()
    unconfirmed: set[int] = set()  # a new track gets its id on its second sighting
    for start in (k * FRAMES for k in passes):
        for event in [start] + [start + r for r in sq.reversals(xs)]:
            later = [i for i in done if i >= event][:2]
            window = set(range(event, later[1] if len(later) == 2 else 10**6))
            excused |= window
            if event == start:
                unconfirmed |= window
    return judge(drawn, xs, FRAMES, unconfirmed, excused, excuse_missing=True)
