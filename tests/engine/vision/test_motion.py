"""MotionGate on a real street frame: sensor noise must not wake it, a car must, and max_skip
bounds how long it can stay asleep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pytest

from engine.domain import box_iou
from engine.vision.motion import MotionGate, MotionGateSettings

CLIP = Path(__file__).resolve().parents[3] / "resources" / "clips" / "traffic_street_fixedcam.mp4"
Refresh = Literal["analysed", "running_average"]
REFRESH_MODES: list[Refresh] = ["analysed", "running_average"]


@pytest.fixture(scope="module")
def street() -> np.ndarray:
    capture = cv2.VideoCapture(str(CLIP))
    ok, frame = capture.read()
    capture.release()
    assert ok, f"cannot read {CLIP}"
    return frame


def noisy(frame: np.ndarray, count: int, sigma: float = 2.0, seed: int = 0) -> Iterator[np.ndarray]:
    """The same frame `count` times with fresh Gaussian sensor noise each time (seeded)."""
    cv2.setRNGSeed(seed)  # cv2.randn is ~7x faster than numpy here and keeps the tests quick
    noise = np.empty(frame.shape, dtype=np.int16)
    for _ in range(count):
        cv2.randn(noise, np.zeros(3), np.full(3, sigma))  # a bare scalar fills channel 0 only
        yield cv2.add(frame, noise, dtype=cv2.CV_8U)


def car_patch(width: int = 60, height: int = 40) -> np.ndarray:
    """A dark car body with a lighter window band and wheels: texture, not a flat block."""
    patch = np.full((height, width, 3), (40, 35, 120), dtype=np.uint8)
    patch[height // 5 : height // 2, width // 6 : -width // 6] = (180, 170, 160)
    for x in (width // 5, width - width // 5):
        cv2.circle(patch, (x, height - 4), 5, (10, 10, 10), -1)
    return patch


def forced_pattern(count: int, max_skip: int) -> list[bool]:
    """Frame 0 and then every (max_skip + 1)-th frame: the answers of a gate that sees nothing."""
    return [i % (max_skip + 1) == 0 for i in range(count)]


@pytest.mark.parametrize("refresh", REFRESH_MODES)
def test_sensor_noise_on_a_still_street_does_not_trigger(
    street: np.ndarray, refresh: Refresh
) -> None:
    gate = MotionGate(MotionGateSettings(refresh=refresh))
    answers = [gate.should_detect(frame) for frame in noisy(street, 200)]
    assert sum(answers) <= 0.10 * len(answers)
    assert answers == forced_pattern(200, gate.settings.max_skip)  # only first + forced ones


@pytest.mark.parametrize("refresh", REFRESH_MODES)
@pytest.mark.parametrize("max_skip", [12, 1000])
def test_a_car_appearing_triggers_at_once(
    street: np.ndarray, refresh: Refresh, max_skip: int
) -> None:
    gate = MotionGate(MotionGateSettings(refresh=refresh, max_skip=max_skip))
    k, (x, y) = 30, (300, 200)
    answers = []
    for i, frame in enumerate(noisy(street, 40)):
        if i >= k:
            frame[y : y + 40, x : x + 60] = car_patch()
        answers.append(gate.should_detect(frame))
        if i == k:
            regions = gate.changed_regions()
    assert answers[k]
    assert box_iou(regions, np.array([[x, y, x + 60, y + 40]])).max() >= 0.5
    if max_skip == 1000:
        assert not any(answers[1:k])
    if refresh == "analysed":  # the parked car is now the reference: no re-trigger
        assert not any(answers[k + 1 :])


@pytest.mark.parametrize("refresh", REFRESH_MODES)
@pytest.mark.parametrize("speed_px", [2, 4, 8])
def test_a_moving_car_keeps_the_gate_open(
    street: np.ndarray, refresh: Refresh, speed_px: int
) -> None:
    # A slow car changes few pixels per frame; against the last analysed frame the change adds
    # up, so the detector still runs every few frames, well inside the default max_skip of 12.
    gate = MotionGate(MotionGateSettings(refresh=refresh, max_skip=1000))
    frames = noisy(street, 41)
    gate.should_detect(next(frames))
    answers = []
    for i, frame in enumerate(frames):
        x = 20 + i * speed_px
        frame[200:240, x : x + 60] = car_patch()
        answers.append(gate.should_detect(frame))
    assert answers[0]
    assert np.diff(np.flatnonzero(answers)).max() <= 6, answers


@pytest.mark.parametrize("max_skip", [0, 1, 5, 12])
def test_max_skip_forces_a_detection_on_a_frozen_picture(street: np.ndarray, max_skip: int) -> None:
    gate = MotionGate(MotionGateSettings(max_skip=max_skip))
    answers = [gate.should_detect(street) for _ in range(60)]
    assert answers == forced_pattern(60, max_skip)


def test_first_frame_reset_and_size_change_all_trigger(street: np.ndarray) -> None:
    gate = MotionGate()
    assert gate.should_detect(street)
    assert not gate.should_detect(street)
    gate.reset()
    assert gate.should_detect(street)
    assert gate.should_detect(cv2.resize(street, (320, 176)))  # a new stream resolution
