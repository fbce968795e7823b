"""Engines sharing one PostgreSQL database (real `sentinel-engine serve` processes): they split
the saved cameras by leases and really run their share (their public /metrics say so); when one
is killed its cameras move to the survivor; two engines starting on an empty database both come
up (the migration takes an advisory lock)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from engine.domain import Camera, DetectionSettings
from engine.storage.database import Database
from engine.storage.models_leases import EngineNodeRow
from engine.storage.repos.cameras import CameraRepository
from engine.storage.repos.leases import LeaseRepository
from tests.engine.services.helpers import API_KEY, HMAC_KEY, JWT_SECRET
from tests.helpers import STREET_SHORT

pytestmark = pytest.mark.postgres

_LISTENING = re.compile(r"Uvicorn running on https?://[\d.]+:(\d+)")
_LIVE = re.compile(r'^sentinel_camera_state\{camera="([^"]+)",state="live"\} 1\.0$', re.M)


class EngineProcess:
    """One `sentinel-engine serve --port 0` on `database_url`, its log kept for failures."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "POLICY_HMAC_KEY": HMAC_KEY,
            "API_KEY": API_KEY,
            "SENTINEL_DATA_DIR": str(data_dir),
        }
        command = [sys.executable, "-m", "engine.cli.main", "serve", "--port", "0"]
        self.process = subprocess.Popen(
            command, env=env, cwd=data_dir, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.port = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            found = _LISTENING.search(line)
            if found:
                self.port = int(found.group(1))

    @property
    def log(self) -> str:
        return "".join(self.lines[-40:])

    def wait_listening(self, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.port:
            assert self.process.poll() is None, f"engine exited:\n{self.log}"
            assert time.monotonic() < deadline, f"engine did not start:\n{self.log}"
            time.sleep(0.1)

    def live_cameras(self) -> set[str]:
        """Cameras whose state on this engine's public /metrics is 'live'."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10)
        return set(_LIVE.findall(response.text))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def engines(postgres_url: str, tmp_path: Path) -> Iterator[Callable[[int], list[EngineProcess]]]:
    """start(n): n engines on the test's database, started together; all stopped at the end."""
    started: list[EngineProcess] = []

    def start(n: int) -> list[EngineProcess]:
        new = [
            EngineProcess(postgres_url, tmp_path / f"engine{len(started) + i}") for i in range(n)
        ]
        started.extend(new)
        for engine in new:
            engine.wait_listening()
        return new

    yield start
    for engine in started:
        engine.stop()


def engine_ids(db: Database) -> dict[int, str]:
    """Engine id by process id (an engine's name is host:pid)."""
    with db.sessions() as session:
        rows = session.scalars(select(EngineNodeRow)).all()
        return {int(row.name.rsplit(":", 1)[1]): row.engine_id for row in rows}


def wait_for(what: str, check: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_two_engines_split_four_cameras_and_a_killed_ones_move(
    postgres_url: str, engines: Callable[[int], list[EngineProcess]], capsys: Any
) -> None:
    db = Database.open(postgres_url)
    leases = LeaseRepository(db)
    cheap = DetectionSettings(input_size=160, stride=12)  # 4 cameras on a shared 2-core box
    cameras = CameraRepository(db)
    saved = {
        str(
            cameras.add(
                Camera(name=f"cam{i}", source=str(STREET_SHORT), loop=True, detection=cheap)
            ).id
        )
        for i in range(4)
    }
    try:
        first, second = engines(2)
        ids = wait_for(
            "both engines registered", lambda: len(engine_ids(db)) == 2 and engine_ids(db), 60
        )
        holders = {first: ids[first.process.pid], second: ids[second.process.pid]}

        def split_evenly() -> bool:
            held = {cid: lease.engine_id for cid, lease in leases.leases().items()}
            if set(held) != saved or Counter(held.values()) != {e: 2 for e in holders.values()}:
                return False
            # ...and each engine really runs the cameras it holds, and only those.
            return all(
                engine.live_cameras() == {c for c, e in held.items() if e == engine_id}
                for engine, engine_id in holders.items()
            )

        wait_for("a 2/2 split with every camera live", split_evenly, 90)

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        killed_at = time.monotonic()
        survivor = holders[second]

        def all_on_survivor() -> bool:
            held = leases.leases()
            return set(held) == saved and all(h.engine_id == survivor for h in held.values())

        wait_for("the survivor to hold every camera", all_on_survivor, 30)
        moved_s = time.monotonic() - killed_at
        wait_for("every camera live on the survivor", lambda: second.live_cameras() == saved, 30)
        live_s = time.monotonic() - killed_at
        with capsys.disabled():
            print(f"\nfailover: leases moved in {moved_s:.1f} s, cameras live in {live_s:.1f} s")
        assert moved_s < 30
    finally:
        db.close()


def test_two_engines_starting_together_on_an_empty_database_both_come_up(
    postgres_url: str, engines: Callable[[int], list[EngineProcess]]
) -> None:
    started = engines(2)  # both migrate the empty database at once
    for engine in started:
        assert httpx.get(f"http://127.0.0.1:{engine.port}/health", timeout=10).status_code == 200
    db = Database.open(postgres_url)
    try:
        assert set(engine_ids(db)) == {engine.process.pid for engine in started}
    finally:
        db.close()
