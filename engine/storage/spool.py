"""SpoolingEventSink: events reach the database, or a local spool until the database is back."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from engine.domain import Event

log = logging.getLogger(__name__)

_SEGMENT_BYTES = 4 * 1024 * 1024  # a replayed segment is read whole, so keep segments small
_REPLAY_BATCH = 500
_SEGMENT = re.compile(r"^segment-\d{12}\.jsonl$")  # zero-padded: name order is write order


class EventsRefused(Exception):
    """A writer's store refused these events themselves (e.g. a central engine's 422), not the
    connection: they are dead-lettered like the database's own data errors."""


# The store refused these events themselves (bad data), not the connection: retrying would
# block every later event behind them, so they go to a dead-letter file instead.
_POISON = (IntegrityError, DataError, EventsRefused)


@runtime_checkable
class EventWriter(Protocol):
    def add_many(self, events: list[Event]) -> int: ...


class SpoolingEventSink:
    """Stores submitted events without ever raising to the caller (a camera thread).
    Counters: `stored` (written directly), `spooled`, `replayed` (from the spool), `rejected`.

    While the database answers, `submit` writes straight to it. On any failure to reach it the
    events are appended, fsynced, to JSON-lines segment files in `spool_dir`; so are all later
    events while any are spooled, which keeps order simple. A background thread replays the
    oldest segment every `retry_interval_s` and deletes it only after its rows are committed.
    Inserts ignore known ids, so a replay after a lost acknowledgement is never a duplicate.
    Segments left at shutdown are replayed by the next sink on the same directory.

    `repo` is an EventWriter, or a factory called (and retried) until it returns one, so an
    engine can start and spool while its database is still down. Events the database rejects
    as invalid go to `rejected.jsonl` and are counted in `rejected`."""

    def __init__(
        self,
        repo: EventWriter | Callable[[], EventWriter],
        spool_dir: Path,
        retry_interval_s: float = 1.0,
        *,
        model: type[BaseModel] = Event,
    ) -> None:
        self._repo: EventWriter | None = None
        self._factory: Callable[[], EventWriter] | None = None
        if isinstance(repo, EventWriter):
            self._repo = repo
        else:
            self._factory = repo
        self._model = model  # what a spool line holds: Event, or another record with id/camera_id
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._retry_interval_s = retry_interval_s
        self.stored = self.spooled = self.replayed = self.rejected = 0
        self._lock = threading.Lock()
        self._reject_lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._outage = False
        segments = self._segments()
        self._next_segment = int(segments[-1].stem[len("segment-") :]) + 1 if segments else 1
        self._active: Path | None = None  # segment taking appends; never one from a past run
        self._pending = bool(segments)
        if segments:
            log.warning("replaying events left in the spool", extra={"segments": len(segments)})
        self._thread = threading.Thread(target=self._run, name="event-spool", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> bool:
        """Whether spooled events are waiting for the database."""
        return self._pending

    def submit(self, events: Sequence[Event]) -> None:
        """Store `events` now, or spool them; never raises for a database problem."""
        batch = list(events)
        if not batch:
            return
        with self._lock:
            if not self._pending:
                try:
                    self.stored += len(batch) - self._write(batch)
                    self._note_recovered()
                    return
                except Exception as exc:  # every failure to store means: keep it on disk
                    self._note_outage(exc, len(batch))
            self._append(batch)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the spool is empty; returns False if `timeout` passed first."""
        self._wake.set()
        with self._drained:
            return self._drained.wait_for(lambda: not self._pending, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop replaying; whatever is still spooled stays on disk for the next start."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    # writing ---------------------------------------------------------------------------------
    def _writer(self) -> EventWriter:
        if self._repo is None:
            assert self._factory is not None
            self._repo = self._factory()  # raises while the database is unreachable
        return self._repo

    def _write(self, events: list[Event]) -> int:
        """Insert-or-ignore; returns how many events were rejected as invalid. Raises only when
        the database cannot be used at all. Never runs in two threads at once: submit writes
        only while nothing is spooled, the replay thread only while something is."""
        writer = self._writer()
        try:
            writer.add_many(events)
        except _POISON as exc:
            if len(events) == 1:
                self._reject(events[0], exc)
                return 1
            return sum(self._write([event]) for event in events)  # find the bad ones
        return 0

    def _reject(self, event: Event, exc: Exception) -> None:
        log.error(
            "database rejected an event; kept in rejected.jsonl",
            extra={"event_id": str(event.id), "camera_id": event.camera_id, "error": str(exc)},
        )
        with self._reject_lock:  # rejections happen under `_lock` (submit) and outside (replay)
            _append_lines(self.spool_dir / "rejected.jsonl", [event])
            self.rejected += 1

    # spool files (callers hold _lock) ------------------------------------------------------
    def _segments(self) -> list[Path]:
        return sorted(p for p in self.spool_dir.glob("segment-*.jsonl") if _SEGMENT.match(p.name))

    def _append(self, events: list[Event]) -> None:
        try:
            if self._active is None or self._active.stat().st_size > _SEGMENT_BYTES:
                self._active = self.spool_dir / f"segment-{self._next_segment:012d}.jsonl"
                self._next_segment += 1
            _append_lines(self._active, events)
        except OSError:
            # Neither database nor disk: nothing left to try. Say so loudly, keep the camera up.
            log.exception("could not spool events; they are lost", extra={"lost": len(events)})
            return
        self.spooled += len(events)
        if not self._pending:
            self._pending = True
            self._wake.set()  # only on the first one, so an outage is not a retry storm

    def _note_outage(self, exc: Exception, events: int) -> None:
        # Once per outage: a camera submitting 30 times a second must not flood the log.
        if not self._outage:
            self._outage = True
            log.warning(
                "event store unavailable; spooling",
                extra={"error": str(exc), "events": events, "spool_dir": str(self.spool_dir)},
            )

    def _note_recovered(self) -> None:
        if self._outage:
            self._outage = False
            log.warning("event store reachable again", extra={"spooled": self.spooled})

    # replay thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._retry_interval_s)
            self._wake.clear()
            while self._pending and not self._stop.is_set():
                if not self._replay_oldest_segment():
                    break  # still down: wait for the next retry

    def _replay_oldest_segment(self) -> bool:
        with self._lock:
            segments = self._segments()
            if not segments:
                self._pending = False
                self._drained.notify_all()
                return True
            segment = segments[0]
            if segment == self._active:
                self._active = None  # sealed: later events start a new segment
        events: list[Event] = []
        try:
            events = _read_segment(segment, self._model)
            rejected = 0
            for start in range(0, len(events), _REPLAY_BATCH):
                rejected += self._write(events[start : start + _REPLAY_BATCH])
            segment.unlink()  # only now: every row of it is committed
            _fsync_dir(self.spool_dir)
        except Exception as exc:  # database still down (or the spool unreadable): retry later
            with self._lock:
                self._note_outage(exc, len(events))
            return False
        with self._lock:
            self.replayed += len(events) - rejected
            self._note_recovered()
        log.info("replayed spooled events", extra={"events": len(events), "segment": segment.name})
        return True


def _append_lines(path: Path, events: list[Event]) -> None:
    new = not path.exists()
    data = "".join(event.model_dump_json() + "\n" for event in events).encode()
    with open(path, "ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        _fsync_dir(path.parent)


def _read_segment(path: Path, model: type[BaseModel]) -> list[Any]:
    events = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(model.model_validate_json(line))
        except ValidationError:
            # A torn last line from a crash mid-append: that event was never fully written.
            log.error(
                "skipping unreadable spool line", extra={"segment": path.name, "line": number}
            )
    return events


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
