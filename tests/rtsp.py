"""RtspCamera: the real RTSP server (tests/rtsp_server.py, GStreamer) as a subprocess of the
system Python, which has the GStreamer bindings (python3-gi) that the venv lacks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_server.py")
MISSING = (
    "GStreamer's RTSP server is missing: apt-get install gir1.2-gst-rtsp-server-1.0 "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad python3-gi (scripts/setup.sh does)"
)


class RtspCamera:
    """Streams `clip` looped at rtsp://127.0.0.1:PORT/cam. `stop` and `restart` act like a
    camera going away and coming back at the same address."""

    def __init__(self, clip: Path, path: str = "/cam", send_log: Path | None = None) -> None:
        """`send_log`: where the server writes each frame's send time (tests/rtsp_server.py)."""
        self.clip = clip
        self.path = path
        self.send_log = send_log
        self.port = 0
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self, timeout_s: float = 20.0) -> str:
        """Start serving (on the port of the last run, if any); returns the URL once it listens."""
        deadline = time.monotonic() + timeout_s
        while True:
            error = self._launch()
            if not error:
                return self.url
            if time.monotonic() > deadline or "cannot listen" not in error:
                raise RuntimeError(f"RTSP server did not start: {error}")
            time.sleep(0.2)  # the old listener's port is not free yet

    def _launch(self) -> str:
        command = [SYSTEM_PYTHON, str(SCRIPT), str(self.clip), "--port", str(self.port)]
        command += ["--path", self.path]
        if self.send_log is not None:
            command += ["--send-log", str(self.send_log)]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()  # READY <url>, or nothing when it failed
        if not line.startswith("READY "):
            process.wait(10)
            error = process.stderr.read().strip()
            if "GstRtspServer" in error or "No module named 'gi'" in error:
                error = f"{MISSING}\n{error}"
            return error or f"exit status {process.returncode}"
        self.url = line.split()[1]
        self.port = int(self.url.rsplit(":", 1)[1].split("/", 1)[0])
        self._process = process
        return ""

    def stop(self) -> None:
        """Stop serving: connected clients see their stream end."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def restart(self) -> str:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


if __name__ == "__main__":  # manual use: python -m tests.rtsp CLIP
    camera = RtspCamera(Path(sys.argv[1]))
    print(camera.start(), flush=True)
    try:
        while camera.running:
            time.sleep(1)
    finally:
        camera.stop()
