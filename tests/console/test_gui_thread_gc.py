"""Reference cycles holding Qt objects are freed on the GUI thread, whatever thread allocates:
a cycle destroyed on an engine thread deadlocked the console once (console/gui_thread_gc.py)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from console.gui_thread_gc import GuiThreadGarbageCollector


class _CycleWithQObject:
    def __init__(self, freed_on: list[str]) -> None:
        self.itself = self  # only the cycle collector can free it
        self.qobject = QObject()
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def test_a_cycle_is_freed_on_the_gui_thread_while_an_engine_thread_allocates(qtbot):
    # the autouse fixture runs the collector, as sentinel-console does
    assert not gc.isenabled()
    gc.collect()
    freed_on: list[str] = []
    _CycleWithQObject(freed_on)
    stop = threading.Event()

    def allocate() -> None:  # a camera thread building lists, far past Python's gc threshold
        while not stop.is_set():
            [[] for _ in range(2000)]

    engine_thread = threading.Thread(target=allocate, name="engine-thread")
    engine_thread.start()
    try:
        qtbot.waitUntil(lambda: bool(freed_on), timeout=5_000)
    finally:
        stop.set()
        engine_thread.join()
    assert freed_on == [threading.main_thread().name]


def test_stop_hands_automatic_collection_back():
    gc.enable()
    try:
        collector = GuiThreadGarbageCollector(interval_ms=50)
        collector.start()
        assert not gc.isenabled()
        collector.stop()
        assert gc.isenabled()
    finally:
        gc.disable()  # as the autouse fixture left it
