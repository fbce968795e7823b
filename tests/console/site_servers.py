"""A site for the multi-site console tests: an engine with its own SQLite database and site
name, behind a real uvicorn server on loopback, with one live camera (the moving square, seen
by the colour-blob detector), stored events and an operator who may see that camera."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
    site: str
    url: str
    camera: Camera
    stored: list[Event]  # newest first


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
        services = build_services(parts.database, settings, core=parts.core, blobs=parts.core.blobs)
        with running(create_app(services, settings, core=parts.core)) as port:
            yield SiteServer(site, f"http://127.0.0.1:{port}", camera, stored[::-1])
    finally:
        parts.close()
