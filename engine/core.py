"""EngineCore: wires cameras (source -> detect -> track -> events) to storage and viewers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from engine.alpr.track_stage import PlateRecorder, PlateTrackStage
from engine.camera_process import ProcessCameraRunner
from engine.camera_runner import CameraRunner
from engine.config import Settings
from engine.domain import Camera, CameraState, CameraStatus, Event, FrameResult
from engine.pipeline_factory import build_pipeline
from engine.subscribers import SubscriberHub
from engine.vision import DetectorConfig, create_detector
from engine.vision.detector import Detector

log = logging.getLogger(__name__)
EVENTS = "events"
STATUS = "status"
FRAMES = "frames"  # every camera's frame results (the live feed); frames/<id> carries one camera
PACKETS = "packets"  # packets/<id>: one camera's compressed H.264/H.265 packets (engine.relay)


def detector_for(settings: Settings) -> Callable[[Camera], Detector]:
    def build(camera: Camera) -> Detector:
        d = camera.detection
        return create_detector(
            DetectorConfig(
                type=settings.detector.type,
                model=settings.detector.model,
                input_size=d.input_size,
                score_threshold=d.score_threshold,
                nms_iou=d.nms_iou,
                classes=d.classes,
                threads=settings.detector.threads,
            )
        )

    return build


class EngineCore:
    """Owns the running cameras. Storage collaborators are passed in; `open_engine` (in
    engine.composition) builds them from settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        cameras_repo: Any,
        events_repo: Any,
        blobs: Any,
        sink: Any,
        detector_factory: Callable[[Camera], Detector] | None = None,
        realtime: bool = True,
        plates: PlateRecorder | None = None,
        plate_reader_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.cameras_repo = cameras_repo
        self.events_repo = events_repo
        self.blobs = blobs
        self.sink = sink
        self._detector_factory = detector_factory or detector_for(settings)
        self._realtime = realtime
        # Plate reading on cameras with detection.alpr: one reader (its ONNX sessions) shared
        # by every ALPR camera, made when the first one starts.
        self.plates = plates
        self._plate_reader_factory = plate_reader_factory
        self._plate_reader: Any = None
        self._runners: dict[str, CameraRunner | ProcessCameraRunner] = {}
        self._lock = threading.Lock()
        self.hub = SubscriberHub()

    # cameras -------------------------------------------------------------------------------
    def start_saved_cameras(self) -> None:
        for camera in self.cameras_repo.list():
            self._start(camera)

    # One saved camera at a time, for engine.cluster: this engine won or lost its lease.
    def start_camera(self, camera_id: str) -> bool:
        """Start the saved camera `camera_id`; False when no such camera is saved."""
        camera = self.cameras_repo.get(camera_id)
        if camera is not None:
            self._start(camera)
        return camera is not None

    def stop_camera(self, camera_id: str) -> None:
        """Stop the camera here, keeping it saved (another engine runs it now)."""
        with self._lock:
            runner = self._runners.pop(camera_id, None)
        if runner is not None:
            runner.stop()

    def running_cameras(self) -> set[str]:
        with self._lock:
            return set(self._runners)

    def add_camera(self, camera: Camera, *, start_offset_s: float = 0.0) -> Camera:
        if "site" not in camera.model_fields_set:
            camera = camera.model_copy(update={"site": self.settings.site})
        self.cameras_repo.add(camera)
        self._start(camera, start_offset_s)
        return camera

    def remove_camera(self, camera_id: str) -> None:
        with self._lock:
            runner = self._runners.pop(camera_id, None)
        if runner is not None:
            runner.stop()
        self.cameras_repo.delete(camera_id)

    def cameras(self) -> list[Camera]:
        return self.cameras_repo.list()

    def status(self, camera_id: str) -> CameraStatus:
        runner = self._runners.get(camera_id)
        if runner is None:
            return CameraStatus(camera_id=camera_id, state=CameraState.STOPPED)
        return runner.status

    def _start(self, camera: Camera, start_offset_s: float = 0.0) -> None:
        cid = str(camera.id)
        callbacks: dict[str, Any] = {
            "on_result": lambda result, topic=f"frames/{cid}": self._publish_result(topic, result),
            "on_events": self._store_events,
            "on_status": lambda status: self.hub.publish(STATUS, status),
            "on_packet": lambda packet, topic=f"{PACKETS}/{cid}": self.hub.publish(topic, packet),
            "realtime": self._realtime,
            "start_offset_s": start_offset_s,
        }
        runner: CameraRunner | ProcessCameraRunner
        if self.settings.camera_workers == "process" and not camera.detection.alpr:
            # Parallelism comes from the processes: one inference thread each.
            one_thread = self.settings.detector.model_copy(update={"threads": 1})
            worker_settings = self.settings.model_copy(update={"detector": one_thread})
            runner = ProcessCameraRunner(camera, worker_settings, **callbacks)
        else:
            detector = self._detector_factory(camera)
            plates = self._plate_stage(camera, detector)
            pipeline = build_pipeline(camera, detector, self.settings, self.blobs, plates)
            runner = CameraRunner(camera, pipeline, **callbacks)
        with self._lock:
            old = self._runners.pop(cid, None)
            self._runners[cid] = runner
        if old is not None:
            old.stop()
        runner.start()

    def _publish_result(self, topic: str, result: FrameResult) -> None:
        self.hub.publish(topic, result)
        self.hub.publish(FRAMES, result)

    def _plate_stage(self, camera: Camera, detector: Detector) -> PlateTrackStage | None:
        if not camera.detection.alpr:
            return None
        if self.plates is None:
            log.warning("camera %s asks for plate reading; no plate store here", camera.name)
            return None
        from engine.alpr.reader import PlateReader
        from engine.alpr.voting import PlateTrackReader, PlateTrackSettings

        with self._lock:
            if self._plate_reader is None:
                factory = self._plate_reader_factory or PlateReader
                self._plate_reader = factory()
        watched = set(self.settings.events.classes)
        vehicles = frozenset(i for i, name in detector.class_names.items() if name in watched)
        return PlateTrackStage(
            PlateTrackReader(self._plate_reader, PlateTrackSettings(vehicle_classes=vehicles)),
            self.plates,
            str(camera.id),
            detector.class_names,
            site=camera.site,
            lost_after_s=self.settings.events.lost_after_s,
        )

    # events --------------------------------------------------------------------------------
    def _store_events(self, events: list[Event]) -> None:
        if not events:
            return
        self.sink.submit(events)
        for event in events:
            self.hub.publish(EVENTS, event)

    def subscribe(self, topic: str, callback: Callable[[Any], None]) -> Any:
        return self.hub.subscribe(topic, callback)

    def close(self) -> None:
        with self._lock:
            runners = list(self._runners.values())
            self._runners.clear()
        # Every camera is asked first, then awaited: shutdown costs the slowest camera's frame,
        # not the sum, and no camera thread outlives the interpreter.
        for runner in runners:
            runner.request_stop()
        for runner in runners:
            runner.stop(timeout=10.0)
        self.sink.close()

    def frames_topic(self, camera_id: str) -> str:
        return f"frames/{camera_id}"

    def packets_topic(self, camera_id: str) -> str:
        """Topic of one camera's VideoPackets, published before the frames decoded from them."""
        return f"{PACKETS}/{camera_id}"

    def stats(self) -> dict[str, FrameResult | Any]:
        with self._lock:  # the cluster starts and stops cameras while /metrics reads
            runners = list(self._runners.items())
        return {cid: r.pipeline.times for cid, r in runners}
