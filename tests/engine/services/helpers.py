"""Building blocks of the access-control tests: settings with test secrets, services over a
real database, one user per role, and events on two cameras."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from engine.config.settings import Settings
from engine.domain import Event, EventKind
from engine.security.passwords import hash_password
from engine.security.principal import Principal
from engine.services import Services, build_services
from engine.storage.database import Database
from engine.storage.repos.events import EventRepository
from engine.storage.repos.users import UserRepository

JWT_SECRET = "test-jwt-secret-" + "s" * 32
HMAC_KEY = "test-hmac-key-" + "k" * 32
API_KEY = "seed-api-key-123"
PASSWORD = "correct horse battery"
CAM_A, CAM_B = "cam-a", "cam-b"
ROLES = ["operator", "labeler", "supervisor", "installer", "admin"]


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def make_settings(tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "SENTINEL_DATA_DIR": str(tmp),
        "JWT_SECRET": JWT_SECRET,
        "POLICY_HMAC_KEY": HMAC_KEY,
        "API_KEY": API_KEY,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class World:
    """Services over one database, with a user per role (limited roles see CAM_A only) and two
    events per camera."""

    db: Database
    services: Services
    events: dict[str, list[Event]]

    def principal(self, name: str, remote: str = "test") -> Principal:
        user = self.services.users._users.get_by_name(name)
        assert user is not None
        return self.services.users.principal_of(user, remote)

    def close(self) -> None:
        self.db.close()


def make_world(url: str, tmp: Path, **settings: object) -> World:
    """`settings`: Settings values beyond the test defaults (env names, e.g. MQTT_BROKER)."""
    db = Database.open(url)
    services = build_services(db, make_settings(tmp, **settings))
    # One Argon2 hash shared by every test user: hashing costs ~0.1 s each (that is its point).
    users = UserRepository(db)
    for role in ROLES:
        users.add(role, password_hash(), role, [CAM_A])
    users.add("operator-b", password_hash(), "operator", [CAM_B])
    repo = EventRepository(db)
    base = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)
    events: dict[str, list[Event]] = {CAM_A: [], CAM_B: []}
    for i in range(4):
        camera = CAM_A if i % 2 == 0 else CAM_B
        event = Event(
            camera_id=camera,
            kind=EventKind.ENTERED,
            track_id=i,
            class_name="car",
            class_id=2,
            score=0.9,
            box=(1.0, 2.0, 3.0, 4.0),
            timestamp=base + timedelta(seconds=i),
            pts=float(i),
        )
        events[camera].append(event)
    repo.add_many([*events[CAM_A], *events[CAM_B]])
    return World(db, services, events)


def ingest_event(**overrides: object) -> dict[str, object]:
    """One /ingest event body as an edge producer sends it (a fresh id each call)."""
    body: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "camera_id": CAM_A,
        "class_name": "car",
        "score": 0.8,
        "box": [1, 2, 3, 4],
        "timestamp": "2026-02-01T10:00:00Z",
    }
    body.update(overrides)
    return body
