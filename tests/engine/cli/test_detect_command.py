"""`sentinel-engine detect` as a user runs it: JSON lines on stdout, one clear line on errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import STREET_SHORT


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_detect_prints_every_frame_with_tracked_vehicles():
    done = run_cli("detect", str(STREET_SHORT), "--frames", "40", "--jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["frame"] for r in records] == list(range(40))
    assert all(r["pts"] < s["pts"] for r, s in zip(records, records[1:], strict=False))
    cars = [d for r in records for d in r["detections"] if d["class"] == "car"]
    assert len(cars) > 40
    sample = cars[-1]
    assert set(sample) == {"class", "class_id", "score", "box", "track_id"}
    assert sample["class_id"] == 2 and isinstance(sample["track_id"], int)
    x1, y1, x2, y2 = sample["box"]
    assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 352
    # the same car keeps its id from frame to frame
    ids_late = {d["track_id"] for d in records[-1]["detections"]}
    ids_before = {d["track_id"] for d in records[-5]["detections"]}
    assert ids_late & ids_before


def test_stride_fills_frames_between_with_predictions():
    done = run_cli("detect", str(STREET_SHORT), "--frames", "30", "--stride", "3", "--jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["analysed"] for r in records[:6]] == [True, False, False, True, False, False]
    assert any(r["detections"] for r in records if not r["analysed"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["detect", "/no/such/clip.mp4"], "video file not found"),
        (["detect", str(STREET_SHORT), "--model", "/no/such/model.onnx"], "model file not found"),
        (["detect", __file__], "cannot open"),
    ],
    ids=["missing-video", "missing-model", "not-a-video"],
)
def test_bad_input_exits_non_zero_with_one_line(args, message):
    done = run_cli(*args)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_corrupt_model_exits_with_one_line(tmp_path):
    model = tmp_path / "corrupt.onnx"
    model.write_bytes(b"\x08\x01garbage" * 100)
    done = run_cli("detect", str(STREET_SHORT), "--model", str(model))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "cannot load model" in done.stderr
