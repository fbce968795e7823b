"""Retention: keep the event history and the snapshot folder inside their configured bounds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.config.settings import RetentionSettings
from engine.domain import utc_now
from engine.storage.blobs import BlobStorage
from engine.storage.repos.events import EventRepository
from engine.storage.repos.plates import PlateRepository

log = logging.getLogger(__name__)

_BATCH = 200


@dataclass(frozen=True)
class RetentionReport:
    """What one `enforce` pass removed."""

    deleted_events: int = 0
    deleted_snapshots: int = 0
    freed_bytes: int = 0


class RetentionEnforcer:
    """Applies RetentionSettings in two steps (the blob store's whole size is what counts).

    1. Age: events older than `max_age_days` are deleted, and then their snapshot blobs.
    2. Size: while the blob store holds more than `max_snapshot_bytes`, the snapshots of the
       oldest events are deleted first. Those event rows are kept with `snapshot=None`: the
       record of what passed is small and worth keeping for its full age, the JPEG is what
       fills the disk.

    Rows are changed before blobs are deleted, so a crash in between leaves an orphan file (the
    next pass does not see it, but it costs only disk) rather than an event pointing at
    nothing. A blob still referenced by another event is never deleted."""

    def __init__(
        self,
        events: EventRepository,
        blobs: BlobStorage,
        settings: RetentionSettings,
        plates: PlateRepository | None = None,
    ) -> None:
        self._events = events
        self._blobs = blobs
        self._plates = plates
        self.settings = settings

    def enforce(self, now: datetime | None = None) -> RetentionReport:
        now = now or utc_now()
        plates_count, plate_blobs = self._purge_plates(now)
        purged = self._events.delete_older_than(now - timedelta(days=self.settings.max_age_days))
        snapshots, freed = self._delete_blobs([*plate_blobs, *purged.snapshots])
        budget_snapshots, budget_freed = self._enforce_budget()
        report = RetentionReport(
            purged.count + plates_count, snapshots + budget_snapshots, freed + budget_freed
        )
        if report.deleted_events or report.deleted_snapshots:
            log.info(
                "retention pass",
                extra={
                    "deleted_events": report.deleted_events,
                    "deleted_snapshots": report.deleted_snapshots,
                    "freed_bytes": report.freed_bytes,
                },
            )
        return report

    def _purge_plates(self, now: datetime) -> tuple[int, list[str]]:
        """Plate events (their reads, their `events` rows) past the plate age, which may be
        shorter than the events' own; answers how many and the blobs they held."""
        if self._plates is None:
            return 0, []
        days = self.settings.plate_max_age_days or self.settings.max_age_days
        purged = self._plates.purge_older_than(now - timedelta(days=days))
        return purged.count, purged.blobs

    def _enforce_budget(self) -> tuple[int, int]:
        budget = self.settings.max_snapshot_bytes
        total = self._blobs.total_bytes()
        deleted = freed = 0
        while total > budget:
            oldest = self._events.oldest_with_snapshots(_BATCH)
            if not oldest:
                # What is left is not referenced by any event (orphans, spooled events' blobs).
                log.warning(
                    "snapshot budget exceeded by blobs no stored event references",
                    extra={"total_bytes": total, "budget_bytes": budget},
                )
                break
            chosen, planned = [], 0
            for event in oldest:
                assert event.snapshot is not None
                chosen.append(event)
                planned += self._size(event.snapshot)
                if total - planned <= budget:
                    break
            self._events.clear_snapshots(event.id for event in chosen)
            count, bytes_freed = self._delete_blobs([e.snapshot for e in chosen if e.snapshot])
            deleted += count
            freed += bytes_freed
            total -= planned
        return deleted, freed

    def _delete_blobs(self, keys: list[str]) -> tuple[int, int]:
        still_used = self._events.referenced_snapshots(keys) if keys else set()
        deleted = freed = 0
        for key in sorted(set(keys) - still_used):
            try:
                if not self._blobs.exists(key):
                    continue
                freed += self._blobs.delete(key)
            except (OSError, ValueError):
                log.warning("could not delete snapshot", extra={"key": key}, exc_info=True)
                continue
            deleted += 1
        return deleted, freed

    def _size(self, key: str) -> int:
        try:
            return self._blobs.size(key)
        except (OSError, ValueError):
            return 0


class RetentionWorker:
    """Runs `enforcer.enforce()` every `interval_s` (default: the settings' check_interval_s)
    on a daemon thread from `start()` until `stop()`. A failed pass (database down) is logged
    and retried next interval; it never ends the thread."""

    def __init__(
        self,
        enforcer: RetentionEnforcer,
        interval_s: float | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._enforcer = enforcer
        self._interval_s = interval_s or enforcer.settings.check_interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self.passes = 0
        self.last_report: RetentionReport | None = None

    def start(self) -> RetentionWorker:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        # First pass right away: an engine restarted after a long stop catches up at once.
        while not self._stop.is_set():
            try:
                self.last_report = self._enforcer.enforce(self._clock())
            except Exception:
                log.warning("retention pass failed; retrying next interval", exc_info=True)
            self.passes += 1
            self._stop.wait(self._interval_s)
