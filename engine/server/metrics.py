"""GET /metrics: Prometheus text. Public, so it carries only counts keyed by camera id: no
names, sources, plates or event contents."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from engine.domain import CameraState
from engine.services import Services
from engine.services.telemetry import LatencyRecorder

router = APIRouter(tags=["public"])


class EngineCollector:
    """Reads the engine's counters at scrape time (nothing is pushed on the hot path except
    the detector's latency observation). fps is frames over the time since the last scrape."""

    def __init__(
        self, services: Services, core: Any | None, inference: LatencyRecorder | None
    ) -> None:
        self._services = services
        self._core = core
        self._inference = inference
        self._last: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        frames = CounterMetricFamily("sentinel_frames", "Frames decoded", labels=["camera"])
        analysed = CounterMetricFamily(
            "sentinel_frames_analysed", "Frames run through the detector", labels=["camera"]
        )
        fps = GaugeMetricFamily(
            "sentinel_camera_fps", "Decoded frames per second", labels=["camera"]
        )
        state = GaugeMetricFamily(
            "sentinel_camera_state", "1 for the camera's current state", labels=["camera", "state"]
        )
        if self._core is not None:
            now = time.monotonic()
            for camera_id, times in self._core.stats().items():
                frames.add_metric([camera_id], times.frames)
                analysed.add_metric([camera_id], times.analysed)
                fps.add_metric([camera_id], self._fps(camera_id, times.frames, now))
                current = self._core.status(camera_id).state
                for option in CameraState:
                    state.add_metric([camera_id, option.value], 1.0 if option is current else 0.0)
        yield from (frames, analysed, fps, state)
        events = CounterMetricFamily(
            "sentinel_ingest_events", "Events received by /ingest, by outcome", labels=["outcome"]
        )
        for outcome, n in self._services.ingest.counters.snapshot().items():
            events.add_metric([outcome], n)
        yield events
        if self._inference is not None:
            buckets, total = self._inference.snapshot()
            yield HistogramMetricFamily(
                "sentinel_inference_seconds", "Detector latency per frame", buckets, total
            )

    def _fps(self, camera_id: str, frames: int, now: float) -> float:
        with self._lock:
            before = self._last.get(camera_id)
            self._last[camera_id] = (frames, now)
        if before is None or now <= before[1]:
            return 0.0
        return max(0, frames - before[0]) / (now - before[1])


def metrics_registry(
    services: Services, core: Any | None = None, inference: LatencyRecorder | None = None
) -> CollectorRegistry:
    """A registry of its own per app (not the global one), so apps in one process never mix."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(EngineCollector(services, core, inference))  # type: ignore[arg-type]
    return registry


@router.get(
    "/metrics",
    response_class=Response,
    openapi_extra={"x-public": True},
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
