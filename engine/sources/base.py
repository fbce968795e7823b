"""VideoSource contract: something that yields decoded frames with monotonic source pts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from engine.domain import Frame


class SourceError(RuntimeError):
    """A source that cannot be opened or read; the message is one line a user can act on."""


class VideoSource(Protocol):
    url: str

    def frames(self) -> Iterator[Frame]:
        """Decoded frames in order; ends at end of stream (files that do not loop)."""
        ...

    def close(self) -> None: ...
