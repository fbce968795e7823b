"""A ring of frame slots in shared memory: a camera process writes decoded frames into it and the
engine's process copies them out, so pictures cross the process boundary without pickling.

The writer owns the ring. Slots come back to it only when the reader says it has copied one
(`release`), so a slot is never overwritten while it is being read; when every slot is still
out, the writer skips showing that frame instead of waiting (decode keeps real time).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np


@dataclass(frozen=True)
class RingLayout:
    """What a reader needs to attach: the shared memory's name and each slot's picture shape."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    slots: int

    @property
    def slot_bytes(self) -> int:
        return int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize


class FrameRingWriter:
    """The camera process's side. A new picture size (a reconnect at another resolution) makes
    a new ring; `write` then returns its layout once so the reader can attach before the slot."""

    def __init__(self, slots: int = 6) -> None:
        if slots < 1:
            raise ValueError("a ring needs at least one slot")
        self._slots = slots
        self._shm: shared_memory.SharedMemory | None = None
        self._layout: RingLayout | None = None
        self._free: collections.deque[int] = collections.deque()
        self._generation = 0

    def release(self, generation: int, slot: int) -> None:
        """The reader is done with `slot` (thread-safe: deque appends are atomic)."""
        if generation == self._generation:
            self._free.append(slot)

    def write(self, image: np.ndarray) -> tuple[RingLayout | None, int, int] | None:
        """Copy `image` into a free slot: (new layout or None, generation, slot), or None when
        every slot is still being read."""
        new_layout = None
        if self._layout is None or self._layout.shape != image.shape:
            new_layout = self._open(image)
        try:
            slot = self._free.popleft()
        except IndexError:
            return None
        assert self._shm is not None and self._layout is not None
        view = np.ndarray(
            self._layout.shape,
            self._layout.dtype,
            buffer=self._shm.buf,
            offset=slot * self._layout.slot_bytes,
        )
        view[...] = image
        return new_layout, self._generation, slot

    def _open(self, image: np.ndarray) -> RingLayout:
        self.close()
        self._generation += 1
        nbytes = image.nbytes * self._slots
        self._shm = shared_memory.SharedMemory(create=True, size=max(nbytes, 1))
        self._layout = RingLayout(self._shm.name, tuple(image.shape), image.dtype.str, self._slots)
        self._free = collections.deque(range(self._slots))
        return self._layout

    def close(self) -> None:
        """Unlink the ring; a reader still attached keeps its mapping until it closes it."""
        if self._shm is not None:
            self._shm.close()
            self._shm.unlink()
            self._shm = None
            self._layout = None


class FrameRingReader:
    """The engine's side: attaches to the rings the writer announces and copies slots out."""

    def __init__(self) -> None:
        self._shm: shared_memory.SharedMemory | None = None
        self._layout: RingLayout | None = None

    def attach(self, layout: RingLayout) -> None:
        self.close()
        # A spawned writer shares this process's resource tracker, which already knows the
        # ring: attaching adds nothing for it to clean up, and the writer's unlink clears it.
        self._shm = shared_memory.SharedMemory(name=layout.name)
        self._layout = layout

    def copy(self, slot: int) -> np.ndarray:
        if self._shm is None or self._layout is None:
            raise RuntimeError("no ring attached")
        view = np.ndarray(
            self._layout.shape,
            self._layout.dtype,
            buffer=self._shm.buf,
            offset=slot * self._layout.slot_bytes,
        )
        return view.copy()

    def close(self) -> None:
        if self._shm is not None:
            self._shm.close()
            self._shm = None
            self._layout = None
