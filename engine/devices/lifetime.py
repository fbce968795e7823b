"""Child processes that end with the thread that started them: an engine killed outright (a
test timeout, SIGKILL) leaves no mosquitto or virtual device behind. Linux's PR_SET_PDEATHSIG;
elsewhere a no-op."""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A Popen `preexec_fn` that has the child sent SIGTERM when its starting thread ends
    (None off Linux). libc is loaded here, in the parent: the child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec
