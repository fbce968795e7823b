"""The Fleet view follows the devices as the engine stores what they say: a CAPTURE on a demo bus
stop (the firmware's host build) uploads a real JPEG over HTTP and the detail panel shows that
picture, a newer capture replaces it, and stops that die (SIGKILL: the broker publishes their
last wills) turn offline in the list through the device subscription, not a poll."""

from __future__ import annotations

import re

import cv2
import numpy as np
from PySide6.QtCore import Qt

from console.fleet import fleet_view
from tests.console.pixels import pixels
from tests.console.test_fleet_view import choose, fleet_console

FILENAME = re.compile(r"\(([0-9a-f]{32}\.jpg)\)$")


def capture(view, qtbot) -> str:
    """Click Capture; the filename of the stored upload, from the device's acknowledgement."""
    before = view.panel.ack_label.text()
    qtbot.mouseClick(view.panel.command_buttons["CAPTURE"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            view.panel.ack_label.text() != before and "acknowledged" in view.panel.ack_label.text()
        ),
        timeout=15_000,
    )
    text = view.panel.ack_label.text()
    assert text.startswith("✓ CAPTURE acknowledged by stop-0002"), text
    found = FILENAME.search(text)
    assert found, f"the ack names no uploaded image: {text}"
    return found[1]


def shown_picture(view) -> np.ndarray:
    """What the snapshot widget shows of its image, below the caption bar."""
    widget = view.panel.snapshot
    rgb = pixels(widget.grab().toImage())
    shown = widget.shown
    scale = min(widget.width() / shown.width, widget.height() / shown.height)
    w, h = round(shown.width * scale), round(shown.height * scale)
    x, y = (widget.width() - w) // 2, (widget.height() - h) // 2
    return rgb[y + 24 : y + h - 2, x + 2 : x + w - 2]


def expected_picture(jpeg: bytes, like: np.ndarray, view) -> np.ndarray:
    """The uploaded JPEG decoded here and scaled as the widget scales it, same crop."""
    widget = view.panel.snapshot
    image = cv2.cvtColor(
        cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
    )
    height, width = image.shape[:2]
    scale = min(widget.width() / width, widget.height() / height)
    w, h = round(width * scale), round(height * scale)
    scaled = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return scaled[24 : h - 2, 2 : w - 2][: like.shape[0], : like.shape[1]]


def test_capture_shows_the_uploaded_jpeg_in_the_detail_panel(make_console, qtbot):
    window, view = fleet_console(make_console, qtbot)
    client = window.bridge.client
    choose(view, qtbot, "stop-0002")
    first = capture(view, qtbot)
    snapshot_view = view.panel.snapshot
    qtbot.waitUntil(
        lambda: snapshot_view.shown is not None and snapshot_view.shown.filename == first,
        timeout=10_000,
    )
    jpeg = client.latest_device_image("stop-0002").data
    assert jpeg[:3] == b"\xff\xd8\xff" and jpeg[-2:] == b"\xff\xd9"
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape[1] == 640 and decoded.shape[0] >= 240
    shown = shown_picture(view)
    # A street scene, not a blank or one-colour area...
    assert shown.shape[0] > 80 and shown.shape[1] > 150
    assert shown.std() > 25 and len(np.unique(shown.reshape(-1, 3), axis=0)) > 2000
    # ...and that scene is the uploaded picture.
    assert np.abs(shown.astype(int) - expected_picture(jpeg, shown, view)).mean() < 12

    # A newer capture (the virtual camera shows the clip's next frame) replaces it.
    second = capture(view, qtbot)
    assert second != first
    qtbot.waitUntil(lambda: snapshot_view.shown.filename == second, timeout=10_000)
    newer = shown_picture(view)
    assert np.abs(newer.astype(int) - shown.astype(int)).mean() > 5


def test_stops_that_die_turn_offline_through_the_subscription(make_console, qtbot, monkeypatch):
    # No safety-net poll during the test: only the subscription can bring the change.
    monkeypatch.setattr(fleet_view, "SAFETY_POLL_MS", 600_000)
    window, view = fleet_console(make_console, qtbot)
    assert view._timer.interval() == 600_000
    window.bridge.client.fleet.demo.kill_devices()
    rows = range(3)
    qtbot.waitUntil(
        lambda: all(view.devices.index(r, 2).data() == "● offline" for r in rows), timeout=15_000
    )
    tooltips = {view.devices.index(r, 0).data(Qt.ItemDataRole.ToolTipRole) for r in rows}
    assert tooltips == {"last status: connection lost"}
    assert view.summary.text() == "3 devices, 0 online"
    assert view.panel.title.text() == "stop-0001" and "offline" in view.panel.facts.text()
