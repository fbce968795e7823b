"""The shared-memory frame ring: pictures cross intact, a slot is never reused before the
reader gives it back, and a new picture size makes a new ring."""

from __future__ import annotations

import numpy as np

from engine.frame_ring import FrameRingReader, FrameRingWriter


def _image(value: int, shape=(36, 64, 3)) -> np.ndarray:
    return np.random.default_rng(value).integers(0, 256, shape, dtype=np.uint8)


def test_frames_cross_intact_and_slots_wait_for_release():
    writer, reader = FrameRingWriter(slots=2), FrameRingReader()
    try:
        layout, generation, first = writer.write(_image(1))
        assert layout is not None
        reader.attach(layout)
        again, _, second = writer.write(_image(2))
        assert again is None and second != first
        assert writer.write(_image(3)) is None, "both slots are out: the frame is skipped"
        assert np.array_equal(reader.copy(first), _image(1))
        assert np.array_equal(reader.copy(second), _image(2))
        writer.release(generation, first)
        _, _, reused = writer.write(_image(4))
        assert reused == first
        assert np.array_equal(reader.copy(first), _image(4))
        assert np.array_equal(reader.copy(second), _image(2)), "a slot still out is untouched"
    finally:
        reader.close()
        writer.close()


def test_new_picture_size_makes_a_new_ring_and_old_releases_are_ignored():
    writer, reader = FrameRingWriter(slots=1), FrameRingReader()
    try:
        layout, old_generation, slot = writer.write(_image(1))
        reader.attach(layout)
        bigger = _image(5, (72, 128, 3))
        new_layout, generation, slot = writer.write(bigger)
        assert new_layout is not None and new_layout.name != layout.name
        assert generation != old_generation
        reader.attach(new_layout)
        assert np.array_equal(reader.copy(slot), bigger)
        writer.release(old_generation, 0)  # a late ack for the old ring
        assert writer.write(bigger) is None, "the old ring's slot does not free the new one"
    finally:
        reader.close()
        writer.close()
