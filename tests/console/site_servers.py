"""A site for the multi-site console tests: an engine with its own SQLite database and site
name, behind a real uvicorn server on loopback, with one live camera (the moving square, seen
by the colour-blob detector), stored events and an operator who may see that camera."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from engine.assembly import open_engine
from engine.domain import Camera, Event, EventKind
from engine.server import create_app
from engine.services import build_services
from engine.storage.repos.events import EventRepository
from engine.storage.repos.users import UserRepository
from tests.console import moving_square  # noqa: F401 (registers the colour-blob detector)
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, password_hash

USER = "control-room"
__all__ = ["PASSWORD", "USER", "SiteServer", "serving_site"]


@dataclass
class SiteServer:
    """`stop_server` takes the site's server away (its engine keeps running), `start_server`
    brings it back at the same address, as a restarted server or a mended network would."""

    site: str
    url: str
    camera: Camera
    stored: list[Event]  # newest first
    _serve: Callable[[int], AbstractContextManager[int]] = field(repr=False)
    _server: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop_server(self) -> None:
        self._server.close()

    def start_server(self) -> None:
        self._server.enter_context(self._serve(self.port))


@contextmanager
def serving_site(tmp: Path, site: str, clip: Path, stored_events: int = 3) -> Iterator[SiteServer]:
    """`stored_events` events of the site's camera in its database, one a minute from
    2026-01-10 12:00 plus the site's rank, so two sites' events interleave in time."""
    settings = make_settings(
        tmp,
        SENTINEL_SITE=site,
        SENTINEL_CAMERA_WORKERS="thread",
        detector={"type": "colour-blob"},
        events={"classes": ["blob"], "min_hits": 2},
    )
    parts = open_engine(settings, realtime=True)
    try:
        camera = parts.core.add_camera(Camera(name="gate", source=str(clip), loop=True))
        UserRepository(parts.database).add(USER, password_hash(), "operator", [str(camera.id)])
        offset = sum(map(ord, site)) % 30  # a second within the minute, per site
        base = datetime(2026, 1, 10, 12, 0, offset, tzinfo=timezone.utc)
        stored = [
            Event(
                camera_id=str(camera.id),
                kind=EventKind.ENTERED,
                track_id=1000 + i,
                class_name="blob",
                class_id=0,
                score=0.9,
                box=(10.0, 20.0, 60.0, 80.0),
                timestamp=base + timedelta(minutes=i),
                pts=float(i),
            )
            for i in range(stored_events)
        ]
        EventRepository(parts.database).add_many(stored)

        def serve(port: int = 0) -> AbstractContextManager[int]:
            services = build_services(
                parts.database, settings, core=parts.core, blobs=parts.core.blobs
            )
            return running(create_app(services, settings, core=parts.core), port=port)

        server = ExitStack()
        port = server.enter_context(serve())
        with server:
            yield SiteServer(site, f"http://127.0.0.1:{port}", camera, stored[::-1], serve, server)
    finally:
        parts.close()
