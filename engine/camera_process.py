"""ProcessCameraRunner: a camera whose decode, detection, tracking and events run in its own OS
process (as Frigate runs cameras), so that many cameras use every core and the console's GUI
thread is not starved by the analysis of a dozen cameras through one interpreter lock.

It has CameraRunner's face (start, request_stop, stop, join, status, pipeline.times): the engine
core picks one or the other per camera. Pictures come through a shared-memory ring
(engine.frame_ring); results, events and status through a pipe (engine.camera_worker).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.camera_worker import FrameMeta, WorkerSpec, run_worker
from engine.config import Settings
from engine.domain import Camera, CameraState, CameraStatus, Event, Frame, FrameResult
from engine.domain.packet import VideoPacket
from engine.frame_ring import FrameRingReader
from engine.pipeline import StageTimes

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    """What the engine knows of the process's pipeline: its stage times, as last reported."""

    times: StageTimes = field(default_factory=StageTimes)


class ProcessCameraRunner:
    def __init__(
        self,
        camera: Camera,
        settings: Settings,
        *,
        on_result: Callable[[FrameResult], None],
        on_events: Callable[[list[Event]], None],
        on_status: Callable[[CameraStatus], None],
        realtime: bool = True,
        start_offset_s: float = 0.0,
        ring_slots: int = 6,
        on_packet: Callable[[VideoPacket], None] | None = None,
    ) -> None:
        self.camera = camera
        self._on_packet = on_packet
        self._on_result = on_result
        self._on_events = on_events
        self._on_status = on_status
        # spawn, never fork: the parent may be a Qt application with threads of its own.
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        relay = on_packet is not None
        spec = WorkerSpec(camera, settings, realtime, start_offset_s, ring_slots, relay)
        self._process = context.Process(
            target=run_worker, args=(spec, child_conn), name=f"camera-{camera.name}", daemon=True
        )
        self._child_conn = child_conn
        self._send_lock = threading.Lock()
        self._stopping = threading.Event()
        self._ring = FrameRingReader()
        self._thread = threading.Thread(
            target=self._receive, name=f"camera-{camera.name}-results", daemon=True
        )
        self.pipeline = WorkerStats()
        self.status = CameraStatus(camera_id=str(camera.id), state=CameraState.CONNECTING)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def start(self) -> None:
        self._process.start()
        self._child_conn.close()  # the child holds its end; EOF here then means it is gone
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the process to end after the frame in hand, without waiting."""
        self._stopping.set()
        self._send(("stop",))

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        self._process.join(timeout)
        if self._process.is_alive():
            log.warning("camera process %s did not stop; terminating it", self.camera.name)
            self._process.terminate()
            self._process.join(1.0)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the camera to end (a file camera ends at its end); True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            with self._send_lock:
                self._conn.send(message)
        except (BrokenPipeError, EOFError, OSError):
            pass  # the process has ended; the receiving thread reports how

    def _set_status(self, status: CameraStatus) -> None:
        self.status = status
        self._on_status(status)

    def _receive(self) -> None:
        names: dict[int, str] = {}
        done = False
        try:
            while not done:
                message = self._conn.recv()
                kind = message[0]
                if kind == "frame":
                    _, generation, slot, meta, detections, analysed, new_names, plates = message
                    image = self._ring.copy(slot)
                    self._send(("ack", generation, slot))
                    names = new_names if new_names is not None else names
                    self._on_result(
                        FrameResult(_frame(image, meta), detections, analysed, [], names, plates)
                    )
                elif kind == "packet" and self._on_packet is not None:
                    self._on_packet(message[1])
                elif kind == "ring":
                    self._ring.attach(message[1])
                elif kind == "events":
                    self._on_events(message[1])
                elif kind == "status":
                    self._set_status(message[1])
                elif kind == "times":
                    self.pipeline.times = message[1]
                elif kind == "done":
                    done = True
        except (EOFError, OSError):
            pass
        except Exception:  # a viewer's bug must not leave the process unread (its ring fills)
            log.exception("camera %s: results could not be delivered", self.camera.name)
        finally:
            self._ring.close()
            self._conn.close()
        if not done and not self._stopping.is_set():
            self._process.join(1.0)
            self._set_status(
                CameraStatus(
                    camera_id=str(self.camera.id),
                    state=CameraState.FAILED,
                    message=f"camera process ended (exit code {self._process.exitcode})",
                )
            )


def _frame(image: Any, meta: FrameMeta) -> Frame:
    return Frame(
        image=image,
        index=meta.index,
        pts=meta.pts,
        captured_at=meta.captured_at,
        camera_id=meta.camera_id,
        discontinuity=meta.discontinuity,
    )
