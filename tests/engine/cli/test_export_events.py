"""`sentinel-engine export-events` as a user runs it, on a real database: the export follows
the role - plate text masked and the plate blurred in its snapshot unless an admin asks for
clear text with --show-plates, which the audit log records - and never logs the plate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.domain import Event, EventKind
from engine.domain.plate import PlateEvent
from engine.storage.blobs import BlobStore
from engine.storage.repos.events import EventRepository
from engine.storage.repos.plates import PlateRepository
from tests.engine.alpr import DATA
from tests.engine.services.helpers import CAM_A, HMAC_KEY, World, make_settings, make_world

PLATE = "4XXF538"
MASKED = "4X•••38"
PLATE_BOX = (585.0, 592.0, 705.0, 642.0)  # around the plate in car_plate_pixabay.jpg
WHEN = datetime(2026, 1, 10, 12, 0, 2, 500_000, tzinfo=timezone.utc)
RANGE = ["--since", "2026-01-10T12:00:01Z", "--until", "2026-01-10T12:00:03Z"]


def add_plate_event(world: World, tmp: Path) -> tuple[Event, bytes]:
    """A plate event as the engine stores it: its plate row (text in clear, protected by the
    default policy), its event row and its snapshot in BLOBS_DIR."""
    picture = (DATA / "car_plate_pixabay.jpg").read_bytes()
    key = BlobStore(make_settings(tmp).resolved_blobs_dir()).put(picture, prefix=f"snap/{CAM_A}")
    plate = PlateEvent(
        camera_id=CAM_A, track_id=9, text=PLATE, raw_text=PLATE, region="us", confidence=0.95,
        first_seen=WHEN - timedelta(seconds=2), last_seen=WHEN, box=PLATE_BOX,
    )  # fmt: skip
    PlateRepository(world.db).add(plate)
    event = Event(
        id=plate.id, camera_id=CAM_A, kind=EventKind.PLATE, track_id=9, class_name="car",
        class_id=2, score=0.9, box=(0.0, 0.0, 1200.0, 800.0), timestamp=WHEN, pts=2.5,
        snapshot=key,
    )  # fmt: skip
    EventRepository(world.db).add_many([event])
    return event, picture


def export(url: str, tmp: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SENTINEL_DATA_DIR": str(tmp),
        "POLICY_HMAC_KEY": HMAC_KEY,
    }
    command = [sys.executable, "-m", "engine.cli.main", "-v", "export-events", "--out", str(out)]
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp
    )


def sharpness(jpeg: bytes) -> float:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    x1, y1, x2, y2 = (int(v) for v in PLATE_BOX)
    return float(cv2.Laplacian(image[y1:y2, x1:x2], cv2.CV_64F).var())


def test_export_masks_plates_unless_an_admin_asks_and_is_audited(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    try:
        event, picture = add_plate_event(world, tmp_path)

        masked = export(database_url, tmp_path, tmp_path / "masked", "--role", "supervisor", *RANGE)
        assert masked.returncode == 0, masked.stderr
        lines = (tmp_path / "masked" / "events.jsonl").read_text(encoding="utf-8")
        records = [json.loads(line) for line in lines.splitlines()]
        # 12:00:01 and 12:00:02 of the world's four events, and the plate event; newest first.
        assert [r["kind"] for r in records] == ["plate", "entered", "entered"]
        shown = records[0]
        assert (shown["plate"]["text"], shown["plate"]["raw_text"]) == (MASKED, MASKED)
        snapshot = (tmp_path / "masked" / shown["snapshot_file"]).read_bytes()
        assert sharpness(snapshot) < sharpness(picture) / 5  # the plate is blurred
        for output in (lines, masked.stdout, masked.stderr):
            assert PLATE not in output
        assert "plates masked" in masked.stdout

        clear = export(
            database_url, tmp_path, tmp_path / "clear", "--role", "admin", "--show-plates", *RANGE
        )
        assert clear.returncode == 0, clear.stderr
        lines = (tmp_path / "clear" / "events.jsonl").read_text(encoding="utf-8")
        shown = json.loads(lines.splitlines()[0])
        assert shown["plate"]["text"] == PLATE
        assert (tmp_path / "clear" / shown["snapshot_file"]).read_bytes() == picture
        assert PLATE not in clear.stderr  # its debug log neither

        audit = world.services.audit_log
        exports = audit.entries(action="event.export")
        assert sorted(r.outcome for r in exports) == ["ok", "ok"]
        assert all(r.actor.startswith("user:cli:") for r in exports)
        (viewed,) = audit.entries(action="view.plate")
        assert viewed.object == f"event:{event.id}" and viewed.actor.startswith("user:cli:")
        assert [r.object for r in audit.entries(action="view.plate_snapshot")] == [
            f"event:{event.id}"
        ]
    finally:
        world.close()


@pytest.mark.parametrize(
    ("args", "message", "action"),
    [
        (["--role", "operator"], "may not export", "event.export"),
        (["--role", "labeler", "--show-plates"], "may not see plate text", "event.export"),
    ],
)
def test_a_role_without_the_right_is_refused_and_audited(
    sqlite_url: str, tmp_path: Path, args: list[str], message: str, action: str
) -> None:
    world = make_world(sqlite_url, tmp_path)
    try:
        add_plate_event(world, tmp_path)
        done = export(sqlite_url, tmp_path, tmp_path / "out", *args, *RANGE)
        assert done.returncode == 2 and message in done.stderr
        assert "Traceback" not in done.stderr and PLATE not in done.stdout + done.stderr
        assert not (tmp_path / "out" / "events.jsonl").exists()
        denied = world.services.audit_log.entries(action=action)
        assert [r.outcome for r in denied] == ["denied"]
    finally:
        world.close()
