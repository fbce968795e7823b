"""SiteWatch: notices a site that stops answering (or answers again) while nothing else asks it."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from console.ops import BackgroundOps
from engine.client.sites import MultiSiteClient

CHECK_MS = 5000  # one camera listing per site every 5 s: cheap, and soon enough for an operator


class SiteWatch(QObject):
    """Lists every site's cameras in the background every `interval_ms`. MultiSiteClient turns
    a failing site's cameras to failed (and back) through its status subscribers; `problems`
    carries the sites failing now, site name -> why."""

    problems = Signal(object)  # dict[str, str]

    def __init__(
        self, client: MultiSiteClient, interval_ms: int = CHECK_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._ops = BackgroundOps(self, workers=1)
        self._busy = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        if self._busy:
            return  # a site slow to answer: one check at a time
        self._busy = True
        self._ops.run(self._client.list_cameras, self._checked, self._checked)

    def _checked(self, _outcome: object) -> None:
        self._busy = False
        self.problems.emit(self._client.problems())

    def close(self) -> None:
        self._timer.stop()
        self._ops.close()
