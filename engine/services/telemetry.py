"""Telemetry the engine keeps for /metrics: inference latency buckets and ingest counters.
Plain counters (no Prometheus types) so the engine and services stay independent of the
exporter; engine.server.metrics turns them into Prometheus families at scrape time."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.domain import Camera, Detections
from engine.vision.detector import Detector

LATENCY_BUCKETS_S = (0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0)


class LatencyRecorder:
    """A thread-safe cumulative histogram of seconds (Prometheus 'le' semantics)."""

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> None:
        self.buckets = buckets
        self._counts = [0] * (len(buckets) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._counts[bisect.bisect_left(self.buckets, seconds)] += 1
            self._sum += seconds

    def snapshot(self) -> tuple[list[tuple[str, int]], float]:
        """Cumulative (le, count) pairs ending with '+Inf', and the sum of observations."""
        with self._lock:
            counts, total = list(self._counts), self._sum
        running, out = 0, []
        for bound, count in zip([*map(str, self.buckets), "+Inf"], counts, strict=True):
            running += count
            out.append((bound, running))
        return out, total


class TimedDetector:
    """Wraps a Detector so every `detect` call lands in a LatencyRecorder."""

    def __init__(self, inner: Detector, recorder: LatencyRecorder) -> None:
        self._inner = inner
        self._recorder = recorder
        self.class_names = inner.class_names
        self.input_size = inner.input_size

    def detect(self, image: np.ndarray) -> Detections:
        start = time.perf_counter()
        try:
            return self._inner.detect(image)
        finally:
            self._recorder.observe(time.perf_counter() - start)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def timed_factory(
    factory: Callable[[Camera], Detector], recorder: LatencyRecorder
) -> Callable[[Camera], Detector]:
    return lambda camera: TimedDetector(factory(camera), recorder)


class IngestCounters:
    """Events seen by /ingest, by outcome (stored, duplicate, denied)."""

    def __init__(self) -> None:
        self._counts = {"stored": 0, "duplicate": 0, "denied": 0}
        self._lock = threading.Lock()

    def add(self, outcome: str, n: int = 1) -> None:
        with self._lock:
            self._counts[outcome] = self._counts.get(outcome, 0) + n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
