"""CentralWriter: the edge engine's event writer is the central engine's `POST /ingest`.

It has the EventWriter face (`add_many`), so the edge's SpoolingEventSink does the
store-and-forward: while the central side cannot be reached (or answers 5xx, 401, 403, 429)
events go to the edge's disk spool and are replayed in order when it answers again. An event the
central side refuses as such (another 4xx) goes to the spool's rejected.jsonl, so one bad event
never blocks those behind it. Event ids are
made at the edge and the central insert ignores known ids, so a replay after a lost answer
stores nothing twice. A snapshot is uploaded first (`POST /upload`) and the event carries the
central key.
"""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

from engine.domain import Event, EventKind
from engine.storage.spool import EventsRefused

log = logging.getLogger(__name__)
FORWARDED = (EventKind.ENTERED, EventKind.LEFT)  # what the central intake accepts today


class CentralUnavailable(RuntimeError):
    """The central engine did not take the batch; the sink spools it and retries."""


class SnapshotReader(Protocol):
    def read(self, key: str) -> bytes: ...


class CentralWriter:
    def __init__(
        self,
        base_url: str,
        key: str,
        blobs: SnapshotReader,
        *,
        timeout_s: float = 10.0,
        verify: bool | str = True,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"x-api-key": key},
            timeout=timeout_s,
            verify=verify,
        )
        self._blobs = blobs
        self._uploaded: dict[str, str] = {}  # edge snapshot key -> central key

    def add_many(self, events: list[Event]) -> int:
        """Send `events` in one batch; returns how many the central side rejected (0: a
        stored or duplicate answer for each). Raises CentralUnavailable to spool them."""
        batch = [self._payload(e) for e in events if e.kind in FORWARDED]
        if not batch:
            return 0
        answer = self._post("/ingest", json=batch)
        results = answer.json().get("results", [])
        return sum(1 for r in results if r.get("status") not in ("stored", "duplicate"))

    def close(self) -> None:
        self._http.close()

    def _payload(self, event: Event) -> dict:
        body = event.model_dump(mode="json", exclude={"site", "snapshot", "plate"})
        if event.snapshot:
            body["snapshot"] = self._central_snapshot(event.snapshot)
        return body

    def _central_snapshot(self, key: str) -> str | None:
        if key in self._uploaded:
            return self._uploaded[key]
        try:
            data = self._blobs.read(key)
        except (FileNotFoundError, ValueError):
            return None  # retention took it: the event goes without its picture
        answer = self._post("/upload", files={"file": ("snapshot.jpg", data, "image/jpeg")})
        self._uploaded[key] = central = str(answer.json()["key"])
        return central

    def _post(self, path: str, **kwargs) -> httpx.Response:
        try:
            answer = self._http.post(path, **kwargs)
        except httpx.HTTPError as exc:
            raise CentralUnavailable(f"central engine unreachable: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code in (401, 403, 429):
            # Wrong or revoked credentials are fixed by people, not by dropping events.
            raise CentralUnavailable(f"central engine answered {answer.status_code} on {path}")
        if answer.status_code >= 400:
            # The events themselves (or the batch's size) were refused: retrying them would hold
            # up every later event. The spool retries them one by one and dead-letters the bad.
            refusal = f"central engine refused {path}: {answer.status_code} {answer.text}"
            raise EventsRefused(refusal)
        return answer
