"""Plain helpers for the storage tests (fixtures live in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from engine.domain import Event

# Microseconds on purpose: they must survive both backends.
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)

MakeEvent = Callable[..., Event]


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll `condition` until true; fail the test at the deadline (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.01)
