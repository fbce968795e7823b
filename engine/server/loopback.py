"""LoopbackServer: an app under uvicorn on a free 127.0.0.1 port, in a thread of this process.
The in-process engine has no HTTP server of its own; its demo devices upload their camera
images to one of these (POST /api/upload), as real bus stops do to `sentinel-engine serve`."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn


class LoopbackServer:
    """`start` returns once the socket listens; `url` is then `http://127.0.0.1:<port>`."""

    def __init__(self, app: Any) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
        )
        self._thread = threading.Thread(target=self._server.run, name="loopback-http", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the loopback HTTP server did not start")
            time.sleep(0.02)
        self.port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
