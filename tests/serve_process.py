"""The real `sentinel-engine serve` as a subprocess, on a port it picks itself (`--port 0`):
started, its output collected, its address read from uvicorn's "running on" line."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_LISTENING = re.compile(r"Uvicorn running on (https?)://[\d.]+:(\d+)")


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    scheme: str = ""
    port: int = 0

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextmanager
def serve_process(
    args: list[str], env: dict[str, str], cwd: Path, *, verbose: bool = False
) -> Iterator[ServeProcess]:
    """`sentinel-engine [-v] serve --port 0 ARGS...`; stdout (uvicorn's access log) and stderr
    are collected together. Yields once it listens; terminated on exit."""
    command = [sys.executable, "-m", "engine.cli.main", *(["-v"] if verbose else [])]
    command += ["serve", "--port", "0", *args]
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    served = ServeProcess(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line)
            found = _LISTENING.search(line)
            if found and not served.port:
                served.scheme, served.port = found.group(1), int(found.group(2))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not served.port:
            assert process.poll() is None, served.output
            assert time.monotonic() < deadline, served.output
            time.sleep(0.05)
        yield served
    finally:
        process.terminate()
        process.wait(30)
        reader.join(10)
