"""The real `sentinel-engine serve` on a fresh Postgres database with a bundled clip: log in
and see the engine's own events arrive through GET /events/recent."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import httpx

from engine.resources import resource_path
from engine.storage.database import Database
from engine.storage.repos.users import UserRepository
from tests.engine.services.helpers import API_KEY, HMAC_KEY, JWT_SECRET, PASSWORD, password_hash
from tests.serve_process import serve_process

_LISTENING = re.compile(r"Uvicorn running on https?://[\d.]+:(\d+)")


def test_serve_runs_the_engine_and_its_api(postgres_url: str, tmp_path: Path) -> None:
    db = Database.open(postgres_url)
    UserRepository(db).add("watcher", password_hash(), "supervisor", ["*"])
    db.close()
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "JWT_SECRET": JWT_SECRET,
        "POLICY_HMAC_KEY": HMAC_KEY,
        "API_KEY": API_KEY,
        "SENTINEL_DATA_DIR": str(tmp_path),
    }
    clip = resource_path("clips", "traffic_street_fixedcam_short.mp4")
    with (
        serve_process(["--camera", str(clip)], env, tmp_path) as served,
        httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=10) as http,
    ):
        login = http.post("/auth/login", json={"name": "watcher", "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        events: list[dict] = []
        deadline = time.monotonic() + 90
        while not events:
            assert time.monotonic() < deadline, "no events from the clip camera"
            events = http.get("/events/recent", headers=headers).json()
            time.sleep(0.2)
        cameras = http.get("/api/cameras", headers=headers).json()
        assert events[0]["camera_id"] in [c["id"] for c in cameras]
        assert "sentinel_frames_total" in http.get("/metrics").text
