"""The inside of a camera process: source -> pipeline as in a camera thread, with each frame
written to a shared-memory ring and its results, events and status sent up a pipe.

Messages to the engine (tuples, pickled by the pipe): ("ring", RingLayout), ("frame", generation,
slot, FrameMeta, Detections, analysed, class_names or None when unchanged, plates {track id:
text}), ("packet", VideoPacket) when relaying, ("events", [Event]), ("status", CameraStatus),
("times", StageTimes), ("done",). From the engine: ("ack", generation, slot) once a slot is
copied, ("stop",).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from engine.camera_runner import CameraRunner
from engine.config import Settings
from engine.domain import Camera, CameraState, CameraStatus, Event, FrameResult
from engine.domain.packet import VideoPacket
from engine.frame_ring import FrameRingWriter
from engine.pipeline import StageTimes
from engine.pipeline_factory import build_pipeline
from engine.storage.blob_factory import open_blob_store

log = logging.getLogger(__name__)
TIMES_EVERY_S = 0.5  # how often stage times go up (for /metrics and benchmarks)
POLL_S = 0.1
WORKER_NICENESS = 5


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a camera process needs; it is pickled into the new process."""

    camera: Camera
    settings: Settings
    realtime: bool = True
    start_offset_s: float = 0.0
    ring_slots: int = 6
    relay: bool = False  # send the compressed packets up too (engine.relay)


@dataclass(frozen=True)
class FrameMeta:
    """A frame without its picture (that travels through the ring)."""

    index: int
    pts: float
    captured_at: datetime
    camera_id: str
    discontinuity: bool


class WorkerChannel:
    """The pipe's sending side, shared by the camera thread and the control loop."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.broken = False

    def send(self, message: tuple[Any, ...]) -> None:
        if self.broken:
            return
        try:
            with self._lock:
                self._conn.send(message)
        except (BrokenPipeError, EOFError, OSError):
            self.broken = True  # the engine is gone; the control loop stops the camera


class ResultPublisher:
    """CameraRunner's callbacks inside the process."""

    def __init__(self, channel: WorkerChannel, ring: FrameRingWriter, times: StageTimes) -> None:
        self._channel = channel
        self._ring = ring
        self._times = times
        self._names: dict[int, str] | None = None
        self._times_sent = 0.0
        self.dropped = 0  # frames not shown because the engine had not copied the older ones

    def result(self, result: FrameResult) -> None:
        written = self._ring.write(result.frame.image)
        if written is None:
            self.dropped += 1
        else:
            layout, generation, slot = written
            if layout is not None:
                self._channel.send(("ring", layout))
            frame = result.frame
            meta = FrameMeta(
                frame.index, frame.pts, frame.captured_at, frame.camera_id, frame.discontinuity
            )
            names = None if result.class_names == self._names else result.class_names
            self._names = result.class_names
            self._channel.send(
                (
                    "frame",
                    generation,
                    slot,
                    meta,
                    result.detections,
                    result.analysed,
                    names,
                    result.plates,
                )
            )
        if time.monotonic() - self._times_sent >= TIMES_EVERY_S:
            self.send_times()

    def packet(self, packet: VideoPacket) -> None:
        self._channel.send(("packet", packet))

    def events(self, events: list[Event]) -> None:
        if events:
            self._channel.send(("events", events))

    def status(self, status: CameraStatus) -> None:
        self._channel.send(("status", status))

    def send_times(self) -> None:
        self._times_sent = time.monotonic()
        self._channel.send(("times", StageTimes(**vars(self._times))))


def run_worker(spec: WorkerSpec, conn: Connection) -> None:
    """A camera process's entry point: runs the camera until told to stop or the engine goes."""
    from engine.core import detector_for  # the registry's backends load in this process
    from engine.security.log_redaction import install_log_redaction

    install_log_redaction()  # a spawned child logs through logging.lastResort: no plates there
    _yield_to_display()
    channel = WorkerChannel(conn)
    camera = spec.camera
    try:
        detector = detector_for(spec.settings)(camera)
    except Exception as exc:  # a bad model: the tile says so, the other cameras go on
        channel.send(
            (
                "status",
                CameraStatus(camera_id=str(camera.id), state=CameraState.FAILED, message=str(exc)),
            )
        )
        channel.send(("done",))
        return
    blobs = open_blob_store(spec.settings, write_behind=True, check=False)
    pipeline = build_pipeline(camera, detector, spec.settings, blobs)
    ring = FrameRingWriter(spec.ring_slots)
    publisher = ResultPublisher(channel, ring, pipeline.times)
    runner = CameraRunner(
        camera,
        pipeline,
        on_result=publisher.result,
        on_events=publisher.events,
        on_status=publisher.status,
        realtime=spec.realtime,
        start_offset_s=spec.start_offset_s,
        on_packet=publisher.packet if spec.relay else None,
    )
    runner.start()
    try:
        _control(conn, channel, ring, runner)
        runner.join()
        publisher.send_times()
        channel.send(("done",))
    finally:
        ring.close()


def _yield_to_display() -> None:
    """Camera processes run below the engine's own priority: when the cores are short, the
    console's painting (and the engine's storage) go first and analysis thins out through the
    runner's late-skip, instead of every tile stuttering."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICENESS)


def _control(
    conn: Connection, channel: WorkerChannel, ring: FrameRingWriter, runner: CameraRunner
) -> None:
    """Slots coming back and the stop request, until the camera thread ends."""
    while not runner.join(0):
        if channel.broken:
            runner.request_stop()
            return
        try:
            if not conn.poll(POLL_S):
                continue
            message = conn.recv()
        except (EOFError, OSError):
            runner.request_stop()
            return
        if message[0] == "ack":
            ring.release(message[1], message[2])
        elif message[0] == "stop":
            runner.request_stop()
