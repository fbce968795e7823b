"""`sentinel-engine alpr` as a user runs it: one JSON line per plate, one clear line on errors;
plate text masked unless --show-plates comes from a role with plates.view, which is audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.security.audit import AuditLog
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository
from tests.engine.alpr import DATA
from tests.engine.alpr.clip import write_moving_plate_clip

PLATE, MASKED = "4XXF538", "4X•••38"


@pytest.fixture(scope="module")
def moving_plate_clip(tmp_path_factory: pytest.TempPathFactory):
    return write_moving_plate_clip(tmp_path_factory.mktemp("alpr_cli") / "moving_plate.mp4")


def run_cli(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`data_dir`: SENTINEL_DATA_DIR, where the audit log's database (SQLite) is."""
    env = dict(os.environ)
    if data_dir is not None:
        env.update(SENTINEL_DATA_DIR=str(data_dir), DATABASE_URL=f"sqlite:///{data_dir}/s.db")
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "alpr", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=DATA,
        env=env,
    )


def audit_rows(data_dir: Path) -> list[tuple[str, str | None, str]]:
    db = Database.open(f"sqlite:///{data_dir}/s.db")
    try:
        entries = AuditLog(AuditRepository(db)).entries(action="view.plate")
        return [(e.actor, e.object, e.outcome) for e in entries]
    finally:
        db.close()


def test_images_many_at_once_one_line_per_plate_none_for_plateless_cars(tmp_path: Path):
    names = ["car_plate_pixabay.jpg", "plate_crop_pixabay.jpg", "car_o4n.jpg", "cars_o4n.jpg"]
    done = run_cli(*names, "--jsonl", "--show-plates", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["source"] for r in records] == names[:2]
    for record in records:
        assert set(record) == {"source", "text", "raw", "confidence", "box"}
        assert record["text"] == PLATE and record["confidence"] > 0.9
    x1, y1, x2, y2 = records[0]["box"]
    assert 580 < x1 < x2 < 710 and 590 < y1 < y2 < 645
    # Shown in clear by whoever ran it (the default role, admin): one audit row first.
    ((actor, target, outcome),) = audit_rows(tmp_path)
    assert actor.startswith("user:cli:") and outcome == "ok"
    assert target == "alpr:" + ",".join(names)


def test_plate_text_is_masked_by_default_and_nothing_is_audited(tmp_path: Path):
    done = run_cli("car_plate_pixabay.jpg", "--jsonl", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (record["text"], record["raw"]) == (MASKED, MASKED)
    assert PLATE not in done.stdout + done.stderr
    plain = run_cli("car_plate_pixabay.jpg", data_dir=tmp_path)
    assert MASKED in plain.stdout and PLATE not in plain.stdout
    assert not (tmp_path / "s.db").exists()  # no clear text, so nothing to audit


def test_a_role_without_plates_view_cannot_show_plates(tmp_path: Path):
    done = run_cli("car_plate_pixabay.jpg", "--show-plates", "--role", "labeler", data_dir=tmp_path)
    assert done.returncode == 2 and "may not see plate text" in done.stderr
    assert PLATE not in done.stdout + done.stderr
    ((actor, _, outcome),) = audit_rows(tmp_path)
    assert actor.startswith("user:cli:") and outcome == "denied"


def test_video_gives_one_plate_per_track(moving_plate_clip):
    done = run_cli(str(moving_plate_clip), "--region", "us", "--jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["text"] == MASKED and isinstance(record["track_id"], int)
    assert record["frames"] and record["source"] == str(moving_plate_clip)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jpg"], "no such file: missing.jpg"),
        (["plate_crops_cn/labels.tsv"], "cannot open"),
        (["car_o4n.jpg", "--region", "mars"], "invalid choice"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_failure(args, message):
    done = run_cli(*args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
