"""ClusterCoordinator: engine processes sharing one database split its cameras by leases.

Every `heartbeat_s` each engine beats, renews its leases for `lease_ttl_s`, and moves towards
its fair share, ceil(cameras / live engines): above it, it releases cameras; below it, it claims
free or expired ones. A dead engine stops renewing, so its cameras are claimed by the others
once its leases expire (ttl + one round at most). An engine that cannot reach the database for
a ttl stops its cameras: by then the others may have taken them.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from datetime import timedelta
from typing import Protocol

from engine.config.settings import ClusterSettings, Settings
from engine.domain import Camera
from engine.storage.repos.leases import EngineNode, LeaseRepository

log = logging.getLogger(__name__)


class CameraHost(Protocol):
    """What the coordinator drives: EngineCore."""

    def cameras(self) -> list[Camera]: ...
    def start_camera(self, camera_id: str) -> bool: ...
    def stop_camera(self, camera_id: str) -> None: ...
    def running_cameras(self) -> set[str]: ...


def cluster_enabled(settings: Settings, dialect: str) -> bool:
    """CLUSTER__ENABLED when set, else on with PostgreSQL (a file database has one engine)."""
    enabled = settings.cluster.enabled
    return dialect == "postgresql" if enabled is None else enabled


class ClusterCoordinator:
    """Runs this engine's share of the saved cameras, in a thread of its own."""

    def __init__(
        self,
        leases: LeaseRepository,
        core: CameraHost,
        settings: ClusterSettings,
        *,
        site: str = "local",
    ) -> None:
        self._leases = leases
        self._core = core
        self._settings = settings
        self._ttl = timedelta(seconds=settings.lease_ttl_s)
        self.node = EngineNode(
            engine_id=str(uuid.uuid4()),
            name=f"{socket.gethostname()}:{os.getpid()}"[:255],
            site=site,
            started_at=leases.now(),
        )
        self._held: set[str] = set()
        self._renewed_at = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster", daemon=True)

    @property
    def engine_id(self) -> str:
        return self.node.engine_id

    def start(self) -> ClusterCoordinator:
        """One round now (this engine's first cameras start before it serves), then a thread."""
        self.tick()
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop coordinating and free this engine's cameras for the others at once (the
        cameras themselves stop with the core)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        try:
            self._leases.leave(self.engine_id)
        except Exception:  # the database is away: the leases expire on their own
            log.warning("cluster: could not release leases on shutdown", exc_info=True)

    def _run(self) -> None:
        while not self._stop.wait(self._settings.heartbeat_s):
            try:
                self.tick()
            except Exception:
                log.warning("cluster: round failed", exc_info=True)
                if time.monotonic() - self._renewed_at > self._settings.lease_ttl_s:
                    self._drop_all()

    def tick(self) -> None:
        """One round: beat, renew, then release or claim towards the fair share."""
        leases, me = self._leases, self.engine_id
        now = leases.now()
        leases.heartbeat(self.node, now)
        live = leases.live_engines(since=now - self._ttl)
        cameras = {str(camera.id) for camera in self._core.cameras()}
        running = self._core.running_cameras()
        held = leases.renew(me, self._held | running, now, self._ttl)
        self._renewed_at = time.monotonic()
        # Running here without our lease: added through this engine's API, or a lapsed lease.
        for cid in sorted((running - held) & cameras):
            if leases.claim(cid, me, now, self._ttl):
                held.add(cid)
        share = math.ceil(len(cameras) / max(1, len(live)))
        keep = sorted(held & cameras)
        leases.release(me, (held - cameras) | set(keep[share:]))
        keep = keep[:share]
        if len(keep) < share:
            taken = leases.leases()
            for cid in sorted(cameras - set(keep)):
                lease = taken.get(cid)
                if lease is not None and lease.expires_at >= now:
                    continue
                if leases.claim(cid, me, now, self._ttl):
                    keep.append(cid)
                    if len(keep) == share:
                        break
        self._apply(set(keep), running)
        log.debug("cluster: %d of %d cameras, %d engines", len(keep), len(cameras), len(live))

    def _apply(self, held: set[str], running: set[str]) -> None:
        stop, start = running - held, held - running
        if stop or start:
            log.info(
                "cluster: starting %d, stopping %d cameras",
                len(start),
                len(stop),
                extra={"engine_id": self.engine_id, "start": sorted(start), "stop": sorted(stop)},
            )
        for cid in stop:
            self._core.stop_camera(cid)
        for cid in start:
            if not self._core.start_camera(cid):
                self._leases.release(self.engine_id, [cid])  # removed meanwhile
                held.discard(cid)
        self._held = held

    def _drop_all(self) -> None:
        if self._held:
            log.warning(
                "cluster: leases not renewed for a ttl; stopping %d cameras", len(self._held)
            )
        for cid in self._held:
            self._core.stop_camera(cid)
        self._held = set()
