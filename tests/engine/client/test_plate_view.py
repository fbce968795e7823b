"""Live plate reads through the in-process client: an ALPR camera's frame results carry each
shown track's current read, on analysed and predicted frames, as the local user's role may see
it (a role without video.view sees no frames at all); a policy that does not keep plates in
clear hides them from every role."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from engine.assembly import open_engine
from engine.client.local import LocalEngineClient
from engine.client.local_fleet import local_principal
from engine.domain import Camera, CameraState, DetectionSettings, EventKind, FrameResult
from engine.resources import resource_path
from engine.security.audit import AuditLog
from engine.security.policy import MASK, mask
from engine.services import AccessDenied
from engine.storage import Database
from engine.storage.repos.audit import AuditRepository
from tests.engine.alpr.clip import write_moving_plate_clip
from tests.engine.services.helpers import make_settings

PLATE = "4XXF538"
REDACTING_POLICY = """
sources:
  engine:
    fields:
      plate_text: redact
      plate_normalized: redact
"""
# Live video without plates.view: no bundled role has it; a site's roles file may.
WATCHER_ROLE = """
  watcher:
    description: live video and events of their cameras, plates masked
    permissions: [video.view, events.read]
"""


@pytest.fixture(scope="module")
def plate_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_moving_plate_clip(tmp_path_factory.mktemp("plates") / "moving_plate.mp4")


def play(settings, clip: Path, role: str) -> tuple[list[FrameResult], list]:
    """The clip once on an ALPR camera analysing every other frame, not paced by the clock,
    watched by a local user with `role` (who may not add cameras: the engine's setup does)."""
    parts = open_engine(settings, realtime=False)
    client = LocalEngineClient(parts, principal=local_principal(settings, role))
    camera = Camera(name="gate", source=str(clip), detection=DetectionSettings(alpr=True, stride=2))
    frames: list[FrameResult] = []
    events: list = []
    ended = threading.Event()
    client.subscribe_events(events.append)
    client.subscribe_status(
        lambda s: s.camera_id == str(camera.id) and s.state is CameraState.STOPPED and ended.set()
    )
    try:
        parts.core.cameras_repo.add(camera)
        with contextlib.suppress(AccessDenied):  # no video.view: events only
            client.subscribe_frames(str(camera.id), frames.append)
        parts.core.add_camera(camera)
        assert ended.wait(120), "the clip never finished"
    finally:
        client.close()
    return frames, [e for e in events if e.kind is EventKind.PLATE]


@pytest.mark.parametrize(
    ("role", "policy", "shown", "event_text"),
    [
        ("admin", None, PLATE, PLATE),
        ("operator", None, PLATE, PLATE),
        ("watcher", None, mask(PLATE), mask(PLATE)),
        ("labeler", None, None, mask(PLATE)),  # no video.view: no frames
        ("admin", REDACTING_POLICY, MASK, None),  # stored as an HMAC only: never shown
    ],
)
def test_live_plate_reads_by_role(tmp_path, plate_clip, role, policy, shown, event_text):
    roles = tmp_path / "roles.yaml"
    roles.write_text(resource_path("policy", "roles.yaml").read_text() + WATCHER_ROLE)
    overrides = {"ROLES_FILE": str(roles)}
    if policy is not None:
        (tmp_path / "policy.yaml").write_text(policy)
        overrides["POLICY_FILE"] = str(tmp_path / "policy.yaml")
    frames, plates = play(make_settings(tmp_path, **overrides), plate_clip, role)

    with_plates = [f for f in frames if f.plates]
    if shown is None:
        assert frames == []
    else:
        assert {f.analysed for f in with_plates} == {True, False}  # predicted ones keep the read
        for f in with_plates:
            assert set(f.plates) <= {int(t) for t in f.detections.track_id}
        assert set(with_plates[-1].plates.values()) == {shown}  # the track's read as voted
    assert [p.plate.text for p in plates] == [event_text]
    # Shown in clear = audited as the local user, as the services audit a REST or live view.
    db = Database.open(make_settings(tmp_path, **overrides).resolved_database_url())
    try:
        rows = AuditLog(AuditRepository(db)).entries(action="view.plate")
    finally:
        db.close()
    clear = event_text == PLATE
    assert [r.object for r in rows] == ([f"event:{plates[0].id}"] if clear else [])
    assert all(r.actor.endswith(":console") for r in rows)
