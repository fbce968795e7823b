"""CameraRunner's pacing rules on a generated clip, with a fake clock that only moves when the
runner waits or the fake detector works: which frames get analysed is then exact.

- late-skip: a frame due for analysis handed over more than 40 ms late gets the prediction;
- clock restart: more than 1 s behind, the runner re-anchors its clock instead of predicting
  every later frame (or replaying a backlog at full speed).
"""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest

from engine.camera_runner import CameraRunner
from engine.domain import Camera, CameraState, CameraStatus, Detections, FrameResult
from engine.pipeline import CameraPipeline
from engine.vision.tracker import ByteTracker, TrackerSettings

FPS = 25
FRAMES = 15


class FakeClock:
    """Seconds that pass only when someone waits or works."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        self.t += seconds
        return stop.is_set()


class SlowDetector:
    """Finds nothing and costs `costs[i]` clock seconds on its i-th call (the last one after)."""

    class_names = {0: "thing"}
    input_size = 0

    def __init__(self, clock: FakeClock, costs: list[float]) -> None:
        self.clock, self.costs, self.calls = clock, costs, 0

    def detect(self, image: np.ndarray) -> Detections:
        self.clock.t += self.costs[min(self.calls, len(self.costs) - 1)]
        self.calls += 1
        return Detections.empty()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "counting.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(FRAMES):
            image = np.full((48, 64, 3), 10 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def run_camera(
    clip: Path, costs: list[float], *, stride: int = 1, realtime: bool = True
) -> tuple[list[FrameResult], CameraPipeline]:
    clock = FakeClock()
    pipeline = CameraPipeline(
        SlowDetector(clock, costs), ByteTracker(TrackerSettings()), stride=stride
    )
    results: list[FrameResult] = []
    states: list[CameraStatus] = []
    runner = CameraRunner(
        Camera(name="counting", source=str(clip)),
        pipeline,
        on_result=results.append,
        on_events=lambda events: None,
        on_status=states.append,
        realtime=realtime,
        clock=clock,
    )
    runner.start()
    assert runner.join(timeout=30), "the runner did not reach the end of the clip"
    assert states[-1].state is CameraState.STOPPED and states[-1].message == "end of file"
    return results, pipeline


@pytest.mark.parametrize(
    ("cost_s", "stride", "realtime", "analysed", "skipped_late"),
    [
        # faster than the frame period: every frame analysed
        (0.01, 1, True, list(range(FRAMES)), 0),
        # 85 ms: the next frame is 45-75 ms late (predicted), the one after 5-35 ms (analysed)
        (0.085, 1, True, list(range(0, FRAMES, 2)), 7),
        # 125 ms: two frames late, the third on time (5-20 ms late)
        (0.125, 1, True, list(range(0, FRAMES, 3)), 10),
        # stride 2 + 125 ms: the frame due by stride is 45-65 ms late, so the next one is analysed
        (0.125, 2, True, list(range(0, FRAMES, 3)), 5),
        # 85 ms at stride 2: every frame due by stride is on time (5-35 ms late)
        (0.085, 2, True, list(range(0, FRAMES, 2)), 0),
        # not paced (realtime off): lateness means nothing, the stride alone decides
        (0.125, 1, False, list(range(FRAMES)), 0),
    ],
)
def test_late_frames_get_the_prediction(clip, cost_s, stride, realtime, analysed, skipped_late):
    results, pipeline = run_camera(clip, [cost_s], stride=stride, realtime=realtime)
    assert [r.frame.index for r in results] == list(range(FRAMES)), "every frame is published"
    assert [r.frame.index for r in results if r.analysed] == analysed
    assert pipeline.times.analysed == len(analysed)
    assert pipeline.times.skipped_late == skipped_late
    assert pipeline.detector.calls == len(analysed)


def test_clock_restarts_after_a_stall_of_more_than_a_second(clip):
    # The first detection stalls 1.5 s; later ones are cheap. Frame 1 is 1.46 s late: the clock
    # re-anchors on it (it still gets the prediction), and from frame 2 on the camera is on
    # time again. Without the restart every later frame would stay 1.46 s late, never analysed.
    results, pipeline = run_camera(clip, [1.5, 0.01])
    assert [r.frame.index for r in results] == list(range(FRAMES))
    assert [r.frame.index for r in results if r.analysed] == [0, *range(2, FRAMES)]
    assert pipeline.times.skipped_late == 1


def test_a_stall_under_a_second_is_caught_up_without_a_restart(clip):
    # 0.5 s late: no restart, so frames are handed over back to back (no waits) until the
    # camera is on time again; those late ones are predicted, later ones analysed.
    results, _ = run_camera(clip, [0.5, 0.001])
    analysed = [r.frame.index for r in results if r.analysed]
    # frame k is due at 0.04 k; with no waits "now" stays ~0.5 s + 1 ms per analysis, so
    # frames 1..11 are more than 40 ms late and frame 12 (due 0.48) is the first on time
    assert analysed == [0, 12, 13, 14]
