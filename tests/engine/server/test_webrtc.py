"""Live video over WebRTC from a real uvicorn server to the remote client (aiortc both ends):
the camera's own H.264 relayed, each frame's detections beside it. What a remote viewer gets
for a pts is what the engine had for that pts - the same picture, pixel for pixel, and the
same boxes - and the moving square's boxes sit on the square in every picture."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from engine.assembly import open_engine
from engine.client.remote import login
from engine.client.webrtc import WebRtcVideo
from engine.domain import Camera, DetectionSettings, FrameResult, box_iou
from engine.server import create_app
from engine.services import AccessDenied, InvalidCredentials, NotFound, build_services
from engine.storage.repos.audit import AuditRepository
from engine.storage.repos.users import UserRepository
from tests.console import moving_square as sq
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash

FRAMES = 130
WANTED = FRAMES + 50  # more than one pass of the clip: a loop boundary is crossed


class Collector:
    def __init__(self) -> None:
        self.results: list[FrameResult] = []
        self.enough = threading.Event()

    def __call__(self, result: FrameResult) -> None:
        self.results.append(result)
        if len(self.results) >= WANTED:
            self.enough.set()


@pytest.fixture
def site(tmp_path: Path):
    """A served engine whose one camera loops the moving-square clip, detected at stride 1."""
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(FRAMES))
    settings = make_settings(tmp_path, detector={"type": "colour-blob"})
    parts = open_engine(settings, realtime=True)
    camera = Camera(name="square", source=str(clip), loop=True, detection=DetectionSettings())
    cid = str(camera.id)
    users = UserRepository(parts.database)
    users.add("viewer", password_hash(), "operator", [cid])
    users.add("elsewhere", password_hash(), "operator", ["another-camera"])
    users.add("labeler", password_hash(), "labeler", ["*"])
    users.add("boss", password_hash(), "admin", [])
    services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
    app = create_app(services, settings, core=parts.core)
    local: dict[float, FrameResult] = {}
    parts.core.subscribe(parts.core.frames_topic(cid), lambda r: local.__setitem__(r.frame.pts, r))
    parts.core.add_camera(camera)
    try:
        with running(app) as port:
            yield f"http://127.0.0.1:{port}", cid, local, parts, app
    finally:
        parts.close()


def test_remote_frames_carry_the_engines_own_pictures_and_boxes_for_their_pts(site) -> None:
    base, cid, local, _parts, app = site
    xs = sq.square_track(FRAMES)
    video = WebRtcVideo(base, login(base, "viewer", PASSWORD))
    remote = Collector()
    try:
        subscription = video.subscribe_frames(cid, remote)
        assert remote.enough.wait(60), f"{len(remote.results)} frames in 60 s"
        offer, answer = subscription.pc.localDescription.sdp, subscription.pc.remoteDescription.sdp
        subscription.cancel()
        matcher = subscription.matcher
    finally:
        video.close()
    time.sleep(0.5)  # the engine's results of the last frames
    # Nothing but host candidates on either side: no STUN or TURN server was asked.
    assert app.state.webrtc_peers.ice_servers == []
    for sdp in (offer, answer):
        candidates = [line for line in sdp.splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(" typ host" in line for line in candidates), candidates

    results = remote.results
    pts = [r.frame.pts for r in results]
    assert all(b > a for a, b in zip(pts, pts[1:], strict=False))
    assert any(r.frame.discontinuity for r in results[1:]), "no loop boundary crossed"
    expected = round((pts[-1] - pts[0]) * sq.FPS) + 1
    assert len(results) >= 0.95 * expected, f"{len(results)} of {expected} frames shown"

    failures, boxless = [], 0
    for result in results:
        own = local[result.frame.pts]
        # The very picture the engine decoded for this pts.
        assert np.array_equal(result.frame.image, own.frame.image), result.frame.pts
        truth = sq.true_box(xs, round(result.frame.pts * sq.FPS) % FRAMES)
        seen = sq.ColourBlobDetector().detect(result.frame.image).xyxy
        assert len(seen) and box_iou(seen, truth[None])[0, 0] >= 0.9, result.frame.pts
        if not _same_boxes(result, own):
            # Its detections came later than the wait: shown without boxes, never wrong ones.
            assert len(result.detections) == 0 and not result.analysed, result.frame.pts
            boxless += 1
            continue
        assert (result.analysed, result.frame.index) == (own.analysed, own.frame.index)
        # The overlay rule on the remote side: on analysed frames the box is on the square
        # (a new track, at the start of a pass, is drawn from its second sighting).
        index = round(result.frame.pts * sq.FPS)
        if result.analysed and (len(result.detections) or index % FRAMES > 1):
            iou = box_iou(result.detections.xyxy, truth[None]).max(initial=0.0)
            if iou < 0.9:
                failures.append((index, round(float(iou), 3)))
    assert not failures, failures
    assert boxless <= 0.05 * len(results) and boxless == matcher.unmatched
    assert sum(r.analysed for r in results) >= 0.9 * len(results)


def _same_boxes(result: FrameResult, own: FrameResult) -> bool:
    fields = ("xyxy", "score", "class_id", "track_id", "predicted")
    mine, theirs = result.detections, own.detections
    return all(np.array_equal(getattr(mine, f), getattr(theirs, f)) for f in fields)


def test_offers_need_video_view_and_the_camera(site) -> None:
    base, cid, _local, parts, _app = site
    offer = {"camera_id": cid, "sdp": "v=0", "type": "offer"}
    with httpx.Client(base_url=base, timeout=30) as http:
        refused = http.post("/webrtc/offer", json=offer)
        assert (refused.status_code, refused.json()) == (401, {"detail": "not authenticated"})
        for name in ("labeler", "elsewhere"):  # no video.view; not this camera
            token = login(base, name, PASSWORD)
            answer = http.post("/webrtc/offer", json=offer, headers=_bearer(token))
            assert (answer.status_code, answer.json()) == (403, {"detail": "forbidden"}), name
        boss = _bearer(login(base, "boss", PASSWORD))
        bad_sdp = http.post("/webrtc/offer", json=offer, headers=boss)
        assert bad_sdp.status_code == 422 and "sdp" in bad_sdp.json()["detail"]
        unknown = {**offer, "camera_id": "0" * 8 + "-0000-0000-0000-" + "0" * 12}
        assert http.post("/webrtc/offer", json=unknown, headers=boss).status_code == 404

    for name, error in [("labeler", AccessDenied), ("elsewhere", AccessDenied)]:
        video = WebRtcVideo(base, login(base, name, PASSWORD))
        try:
            with pytest.raises(error):
                video.subscribe_frames(cid, print)
        finally:
            video.close()
    video = WebRtcVideo(base, "not-a-jwt")
    try:
        with pytest.raises(InvalidCredentials):
            video.subscribe_frames(cid, print)
        with pytest.raises(InvalidCredentials):
            video.subscribe_frames("no-such-camera", print)
    finally:
        video.close()
    video = WebRtcVideo(base, login(base, "boss", PASSWORD))
    try:
        with pytest.raises(NotFound):
            video.subscribe_frames("0" * 8 + "-0000-0000-0000-" + "0" * 12, print)
    finally:
        video.close()

    rows = AuditRepository(parts.database).list(action="video.open", object=f"camera:{cid}")
    denied = {row.actor for row in rows if row.outcome == "denied"}
    assert {"user:labeler", "user:elsewhere"} <= denied


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_server_shutdown_hangs_up_on_its_viewers(site) -> None:
    _base, cid, _local, _parts, app = site
    with running(app) as port:  # a second server of the same app, stopped while watched
        base = f"http://127.0.0.1:{port}"
        video = WebRtcVideo(base, login(base, "viewer", PASSWORD))
        frames = Collector()
        try:
            subscription = video.subscribe_frames(cid, frames)
            deadline = time.monotonic() + 30
            while not frames.results and time.monotonic() < deadline:
                time.sleep(0.05)
            assert frames.results and len(app.state.webrtc_peers) == 1
        except BaseException:
            video.close()
            raise
    try:
        assert len(app.state.webrtc_peers) == 0
        deadline = time.monotonic() + 30
        while subscription.pc.connectionState not in ("closed", "failed"):
            assert time.monotonic() < deadline, subscription.pc.connectionState
            time.sleep(0.1)
    finally:
        video.close()
