"""Finds, and builds on demand, the firmware's host build (firmware/esp32/host): the virtual
device binary and the core's unit tests. Needs cmake, g++ and libmosquitto-dev."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

FIRMWARE_DIR = Path(
    os.environ.get(
        "SENTINEL_FIRMWARE_DIR", Path(__file__).resolve().parents[2] / "firmware" / "esp32"
    )
)
HOST_DIR = FIRMWARE_DIR / "host"
BUILD_DIR = HOST_DIR / "build"
TARGETS = ("sentinel-virtual-device", "sentinel-core-tests")


class HostBuildError(RuntimeError):
    """The host build is missing its tools or failed to compile."""


def _sources() -> list[Path]:
    roots = [HOST_DIR, FIRMWARE_DIR / "lib"]
    files = [p for r in roots for p in r.rglob("*") if p.suffix in {".cpp", ".h", ".txt"}]
    return [p for p in files if BUILD_DIR not in p.parents]


def is_stale(binary: Path) -> bool:
    """True when `binary` is missing or older than any firmware source."""
    if not binary.exists():
        return True
    built = binary.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _sources())


def ensure_built(
    target: str = "sentinel-virtual-device", progress: Callable[[str], None] | None = None
) -> Path:
    """The path of `target`, (re)built with cmake first when missing or out of date.
    Build output goes to `progress` line by line (default: stderr)."""
    binary = BUILD_DIR / target
    if not is_stale(binary):
        return binary
    report = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    for tool in ("cmake", "g++"):
        if shutil.which(tool) is None:
            raise HostBuildError(
                f"{tool} not found: run scripts/setup.sh "
                "(Debian: apt-get install cmake g++ libmosquitto-dev)"
            )
    report(f"building the firmware host build in {BUILD_DIR}")
    jobs = str(max(1, min(4, os.cpu_count() or 1)))
    steps = [
        ["cmake", "-S", str(HOST_DIR), "-B", str(BUILD_DIR), "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
        ["cmake", "--build", str(BUILD_DIR), "-j", jobs],
    ]
    for step in steps:
        with subprocess.Popen(
            step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                report(line.rstrip())
        if process.returncode != 0:
            raise HostBuildError(f"{' '.join(step)} failed with exit status {process.returncode}")
    if not binary.exists():
        raise HostBuildError(f"the build did not produce {binary}")
    # cmake leaves a target it did not need to relink (e.g. only the unit tests changed) with
    # its old time; mark it checked, or every later call would run cmake again.
    binary.touch()
    return binary
