"""Python's cycle collector runs on the GUI thread only, while the console is up.

The console shares its process with engine threads (cameras, the loopback HTTP server, MQTT).
Python collects reference cycles on whichever thread happens to allocate past the threshold, and
a cycle holding a Qt wrapper (a closed window, a menu) then destroys its QObject on that thread.
Seen in CI: the loopback HTTP thread inside QObject::~QObject waiting for the GIL while the GUI
thread, holding the GIL, waited for the same Qt mutex - a deadlock that froze the console. Qt
applications written in Python avoid it by switching automatic collection off and collecting
from a timer on the GUI thread, which is what this does. Reference counting still frees
everything that is not in a cycle at once, on any thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadGarbageCollector(QObject):
    """`start()` on the GUI thread; `stop()` collects once more and gives collection back."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = False
        self.collections = 0

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """The generation Python's own collector would have collected by now, if any."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        # the oldest generation over its threshold whose younger ones are over theirs too
        generation = -1
        for gen in range(3):
            if not (thresholds[gen] and counts[gen] > thresholds[gen]):
                break
            generation = gen
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()  # the cycles left by the closed window go on this thread too
        if self._was_enabled:
            gc.enable()
