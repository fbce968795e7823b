"""PrivateBroker: a Mosquitto of the engine's own, with device logins (the dynamic-security
plugin shipped in Debian's mosquitto package) and no anonymous access. The demo's embedded broker
and the credential tests run one; a deployment points the engine at its own broker instead."""

from __future__ import annotations

import getpass
import glob
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from engine.devices.lifetime import die_with_parent

PLUGIN_GLOBS = (
    "/usr/lib/*/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
)
ADMIN_USER = "sentinel-admin"


class BrokerError(RuntimeError):
    """The broker could not be set up or started; the message says what is missing."""


def find_plugin() -> Path:
    for pattern in PLUGIN_GLOBS:
        for found in sorted(glob.glob(pattern)):
            return Path(found)
    raise BrokerError(
        "mosquitto's dynamic-security plugin is missing (Debian: apt-get install mosquitto)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateBroker:
    """`mosquitto -c <dir>/mosquitto.conf` on 127.0.0.1:`port`. The admin password is made on
    first start and kept in `<dir>/admin.secret` (mode 600), next to the plugin's own file of
    clients, roles and ACLs, so registered devices survive a restart."""

    def __init__(
        self,
        state_dir: Path,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        die_with_parent: bool = False,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.host = host
        self.port = port or free_port()
        # The broker ends with the thread that starts it (the demo's owner thread).
        self._die_with_parent = die_with_parent
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def admin_password(self) -> str:
        return (self.state_dir / "admin.secret").read_text().strip()

    def start(self, timeout: float = 10.0) -> PrivateBroker:
        for tool in ("mosquitto", "mosquitto_ctrl"):
            if shutil.which(tool) is None:
                raise BrokerError(f"{tool} is not installed (Debian: apt-get install mosquitto)")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._init_security()
        config = self.state_dir / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} {self.host}\n"
            "allow_anonymous false\n"
            # Started as root, mosquitto would switch to the 'mosquitto' user, which cannot read
            # this folder; it runs as whoever runs the engine instead.
            f"user {getpass.getuser()}\n"
            "persistence false\n"
            f"plugin {find_plugin()}\n"
            f"plugin_opt_config_file {self.state_dir / 'dynamic-security.json'}\n"
            "log_dest stderr\n"
        )
        log = (self.state_dir / "mosquitto.log").open("ab")
        self._process = subprocess.Popen(
            ["mosquitto", "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent() if self._die_with_parent else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerError(
                    f"mosquitto exited ({self._process.returncode}); see "
                    f"{self.state_dir / 'mosquitto.log'}"
                )
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on {self.host}:{self.port} in {timeout} s")

    def _init_security(self) -> None:
        dynsec = self.state_dir / "dynamic-security.json"
        secret = self.state_dir / "admin.secret"
        if dynsec.exists() and secret.exists():
            return
        password = secrets.token_urlsafe(24)
        secret.touch(mode=0o600)
        secret.write_text(password + "\n")
        dynsec.unlink(missing_ok=True)
        done = subprocess.run(
            ["mosquitto_ctrl", "dynsec", "init", str(dynsec), ADMIN_USER, password],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise BrokerError(f"mosquitto_ctrl dynsec init failed: {done.stderr.strip()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._process = None

    def __enter__(self) -> PrivateBroker:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
