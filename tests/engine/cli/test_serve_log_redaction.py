"""The real `sentinel-engine serve`: a plate search goes through uvicorn's access log (INFO,
on by default) with the plate in its path or query, and the log shows only its masked form."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx

from engine.storage.database import Database
from engine.storage.repos.users import UserRepository
from tests.engine.services.helpers import API_KEY, HMAC_KEY, JWT_SECRET, PASSWORD, password_hash
from tests.serve_process import serve_process

_LISTENING = re.compile(r"Uvicorn running on https?://[\d.]+:(\d+)")


def test_plate_searches_leave_no_plate_text_in_the_server_log(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database.open(sqlite_url)
    UserRepository(db).add("boss", password_hash(), "admin", ["*"])
    db.close()
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "JWT_SECRET": JWT_SECRET,
        "POLICY_HMAC_KEY": HMAC_KEY,
        "API_KEY": API_KEY,
        "SENTINEL_DATA_DIR": str(tmp_path),
    }
    with (
        serve_process([], env, tmp_path, verbose=True) as served,
        httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=10) as http,
    ):
        login = http.post("/auth/login", json={"name": "boss", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        searches = ["/events/plate/4XXF538", "/api/events?plate=4xxf538", "/events/search"]
        for path in searches:
            params = {"plate": "MH12AB1234"} if path == "/events/search" else None
            answer = http.get(path, headers=headers, params=params)
            assert answer.status_code == 200, answer.text
    log = served.output
    assert "/events/plate/4X•••38" in log and "plate=4x•••38" in log and "MH•••34" in log
    for clear in ("4XXF538", "4xxf538", "MH12AB1234"):
        assert clear not in log
