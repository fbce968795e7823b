"""The Fleet view of the demo console as an installer uses it: the three virtual bus stops (the
firmware's host build, on the demo's embedded broker) listed online with their firmware, live
charts, a command with its acknowledgement, a config push the device follows, a revocation that
cuts a device off, and a registration that shows the new credentials once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from console.fleet.device_model import state_of

DEMO_STOPS = ["stop-0001", "stop-0002", "stop-0003"]
DEMO_LOCATIONS = ["Central Station", "Harbour Road", "Market Square"]


def fleet_console(make_console, qtbot):
    window = make_console()
    window.show_view("fleet")
    view = window.fleet_view

    def all_online() -> bool:
        # A stop says it is online before its retained config (the demo's location) reaches it;
        # the list is settled once each stop reports the location it was given.
        devices = view.devices.devices()
        return (
            [d.device_id for d in devices] == DEMO_STOPS
            and [d.location for d in devices] == DEMO_LOCATIONS
            and all(d.online and d.firmware == "0.1.0" for d in devices)
        )

    qtbot.waitUntil(all_online, timeout=20_000)
    return window, view


def choose(view, qtbot, device_id: str) -> None:
    row = view.devices.row_of(device_id)
    rect = view.table.visualRect(view.devices.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: view.panel.device and view.panel.device.device_id == device_id)


def test_demo_stops_are_listed_online_with_charts_and_acknowledged_commands(make_console, qtbot):
    window, view = fleet_console(make_console, qtbot)
    assert view.devices.index(0, 2).data() == "● online"
    assert view.devices.index(0, 4).data() == "0.1.0"
    assert view.devices.index(0, 5).data() == "Central Station"
    assert view.summary.text() == "3 devices, 3 online"
    choose(view, qtbot, "stop-0002")
    charts = view.panel.charts
    qtbot.waitUntil(
        lambda: all(charts.points(kind) >= 2 for kind in ("temperature", "humidity", "ultrasonic")),
        timeout=10_000,
    )
    assert charts.latest["temperature"].text().endswith("°C")
    qtbot.mouseClick(view.panel.command_buttons["BEEP"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "acknowledged" in view.panel.ack_label.text(), timeout=15_000)
    assert view.panel.ack_label.text().startswith("✓ BEEP acknowledged by stop-0002")


def test_pushed_config_changes_reports_and_revoked_device_is_cut_off(
    make_console, qtbot, monkeypatch
):
    window, view = fleet_console(make_console, qtbot)
    client = window.bridge.client
    choose(view, qtbot, "stop-0001")
    view.panel.location_edit.setText("Depot Gate")
    qtbot.mouseClick(view.panel.push_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "CONFIG acknowledged" in view.panel.config_label.text(), timeout=15_000)
    # What the device reports next carries its new location, and the list shows it.
    qtbot.waitUntil(
        lambda: client.device_readings("stop-0001", "humidity")[-1].location == "Depot Gate",
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: view.devices.index(0, 5).data() == "Depot Gate", timeout=5_000)

    choose(view, qtbot, "stop-0003")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.panel.revoke_button, Qt.MouseButton.LeftButton)
    row = view.devices.row_of("stop-0003")
    qtbot.waitUntil(lambda: view.devices.index(row, 2).data() == "● revoked", timeout=10_000)
    assert "revoked" in view.panel.config_label.text()
    qtbot.wait(1500)  # what was in flight at the revocation lands
    settled = len(client.device_readings("stop-0003"))
    qtbot.wait(3000)  # at one round a second a connected stop would add about nine readings
    assert len(client.device_readings("stop-0003")) == settled, "the revoked stop still reports"
    states = {d.device_id: state_of(d) for d in view.devices.devices()}
    assert states == {"stop-0001": "online", "stop-0002": "online", "stop-0003": "revoked"}


def test_registering_a_device_shows_its_credentials_once(make_console, qtbot):
    window, view = fleet_console(make_console, qtbot)
    view.register("stop-0009", "esp32", "New Shelter")
    qtbot.waitUntil(lambda: view.credentials_dialog is not None, timeout=10_000)
    text = view.credentials_dialog.text.toPlainText()
    assert "mqtt username  stop-0009" in text
    password = text.split("mqtt password")[1].strip()
    assert len(password) >= 16
    qtbot.waitUntil(lambda: view.devices.row_of("stop-0009") is not None, timeout=5_000)
    row = view.devices.row_of("stop-0009")
    assert view.devices.index(row, 2).data() == "● offline"  # registered, never connected
    assert view.devices.index(row, 5).data() == "New Shelter"
    # Registering the same id again while its key is live is refused, with the reason shown.
    view.credentials_dialog = None
    view.register("stop-0009", "esp32", None)
    qtbot.waitUntil(lambda: "failed" in view.notice.text(), timeout=10_000)
    assert "stop-0009" in view.notice.text()
    qtbot.wait(1500)  # device updates arrive every second: the reason stays on screen
    assert "failed" in view.notice.text()
    assert view.credentials_dialog is None
