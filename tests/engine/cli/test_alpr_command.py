"""`sentinel-engine alpr` as a user runs it: one JSON line per plate, one clear line on errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.engine.alpr import DATA
from tests.engine.alpr.clip import write_moving_plate_clip


@pytest.fixture(scope="module")
def moving_plate_clip(tmp_path_factory: pytest.TempPathFactory):
    return write_moving_plate_clip(tmp_path_factory.mktemp("alpr_cli") / "moving_plate.mp4")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "alpr", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=DATA,
    )


def test_images_many_at_once_one_line_per_plate_none_for_plateless_cars():
    names = ["car_plate_pixabay.jpg", "plate_crop_pixabay.jpg", "car_o4n.jpg", "cars_o4n.jpg"]
    done = run_cli(*names, "--jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["source"] for r in records] == names[:2]
    for record in records:
        assert set(record) == {"source", "text", "raw", "confidence", "box"}
        assert record["text"] == "4XXF538" and record["confidence"] > 0.9
    x1, y1, x2, y2 = records[0]["box"]
    assert 580 < x1 < x2 < 710 and 590 < y1 < y2 < 645


def test_video_gives_one_plate_per_track(moving_plate_clip):
    done = run_cli(str(moving_plate_clip), "--region", "us", "--jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 1
    record = records[0]
    assert record["text"] == "4XXF538" and isinstance(record["track_id"], int)
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
