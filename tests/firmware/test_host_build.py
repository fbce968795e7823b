"""The firmware's host unit tests and the ESP32 adapter's syntax check, run from pytest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.devices.host_build import FIRMWARE_DIR, ensure_built

ADAPTER = FIRMWARE_DIR / "src" / "main.cpp"


@pytest.fixture(scope="session")
def core_tests() -> Path:
    return ensure_built("sentinel-core-tests")


def syntax_check(source: Path) -> subprocess.CompletedProcess[str]:
    command = ["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror"]
    command += ["-I", str(FIRMWARE_DIR / "shim"), "-I", str(FIRMWARE_DIR / "lib/sentinel_core/src")]
    return subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=120)


def test_core_unit_tests_pass(core_tests: Path) -> None:
    done = subprocess.run([str(core_tests)], capture_output=True, text=True, timeout=60)
    summary = re.search(r"(\d+) passed, (\d+) failed", done.stdout)
    assert summary, done.stdout
    assert (int(summary[1]), int(summary[2])) >= (20, 0) and summary[2] == "0", done.stdout
    assert done.returncode == 0


def test_esp32_adapter_compiles_against_the_shim() -> None:
    done = syntax_check(ADAPTER)
    assert done.returncode == 0, done.stderr


def test_syntax_check_notices_a_broken_adapter(tmp_path: Path) -> None:
    broken = tmp_path / "main.cpp"
    # An adapter that calls an esp-mqtt function the shim (and esp-mqtt) does not have.
    text = ADAPTER.read_text().replace("esp_mqtt_client_start(", "esp_mqtt_client_begin(", 1)
    broken.write_text(text)
    done = syntax_check(broken)
    assert done.returncode != 0 and "esp_mqtt_client_begin" in done.stderr


def test_firmware_version_is_the_same_in_both_builds() -> None:
    ini = (FIRMWARE_DIR / "platformio.ini").read_text()
    cmake = (FIRMWARE_DIR / "host" / "CMakeLists.txt").read_text()
    pio = re.search(r'-DSENTINEL_FW_VERSION=\\"([^"\\]+)\\"', ini)
    host = re.search(r'set\(SENTINEL_FW_VERSION "([^"]+)"\)', cmake)
    assert pio and host and pio[1] == host[1]


def test_core_has_no_arduino_headers() -> None:
    core = FIRMWARE_DIR / "lib" / "sentinel_core" / "src"
    includes = {
        m for f in core.rglob("*.*") for m in re.findall(r'#include [<"]([^>"]+)', f.read_text())
    }
    assert includes and not includes & {"Arduino.h", "WiFi.h", "mqtt_client.h", "HTTPClient.h"}


def test_g_plus_plus_is_installed() -> None:
    assert shutil.which("g++"), "g++ is needed by the firmware checks (scripts/setup.sh)"
