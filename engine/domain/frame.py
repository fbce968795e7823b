"""Frame: one decoded picture with the timestamps that later stages and the overlay rely on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class Frame:
    """A decoded BGR image.

    `index` is the decode index since the source opened (it keeps counting across loops);
    `pts` is the source presentation time in seconds, made monotonic across loops and reconnects;
    `discontinuity` is True on the first frame after a loop, seek or reconnect, so that
    stateful stages (tracker, motion gate) reset.
    """

    image: np.ndarray
    index: int
    pts: float
    captured_at: datetime
    camera_id: str = ""
    discontinuity: bool = False

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])
