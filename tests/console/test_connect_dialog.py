"""The connect dialog against a real engine server: sites are added and saved (never their
password), Connect says per site what went wrong (wrong password, unreachable) and stays open,
and once fixed hands over the sites that connected. `--engine URL` with SENTINEL_PASSWORD
connects without the dialog, leaving out a site that cannot be reached."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog

from console.sites.connect_dialog import ConnectDialog
from console.sites.launch import NoSiteConnected, connect_sites
from console.sites.saved_sites import SavedSiteStore
from tests.console import moving_square as sq
from tests.console.site_servers import PASSWORD, USER, serving_site

WRONG = "not the password"


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def north(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTINEL_CONFIG_DIR", str(tmp_path / "config"))
    clip = sq.write_clip(tmp_path / "square.mp4", sq.square_track(50))
    with serving_site(tmp_path / "north", "north-depot", clip) as site:
        yield site


def _type(qtbot, edit, text: str) -> None:
    """As an operator types it: replaces what the field holds."""
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def _add_site(dialog, qtbot, name: str, url: str, password: str) -> None:
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    for edit, text in (
        (dialog.name_edit, name),
        (dialog.url_edit, url),
        (dialog.user_edit, USER),
        (dialog.password_edit, password),
    ):
        _type(qtbot, edit, text)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def _connect(dialog, qtbot) -> None:
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=30_000)


def test_connect_dialog_reports_each_site_and_keeps_the_good_one(north, qtbot, tmp_path):
    dialog = ConnectDialog(SavedSiteStore())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.site_list.count() == 0  # nothing saved yet: the form waits for a site
    _add_site(dialog, qtbot, "north", north.url, WRONG)
    _add_site(dialog, qtbot, "west", _closed_port_url(), PASSWORD)
    assert dialog.checked_names() == ["north", "west"]

    _connect(dialog, qtbot)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    rows = [dialog.site_list.item(i).text() for i in range(2)]
    assert "wrong user name or password" in rows[0], rows
    assert "cannot reach" in rows[1] and "refused" in rows[1], rows
    message = dialog.message_label.text()
    assert message.startswith("north: login refused") and "\nwest: " in message, message

    # The right password for north, west left out: connected, the dialog closes.
    dialog.site_list.setCurrentRow(0)
    _type(qtbot, dialog.password_edit, PASSWORD)
    dialog.site_list.item(1).setCheckState(Qt.CheckState.Unchecked)
    _connect(dialog, qtbot)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    connections = dialog.connections()
    assert list(connections) == ["north"]
    try:
        assert [c.id for c in connections["north"].list_cameras()] == [north.camera.id]
    finally:
        connections["north"].close()

    saved = (tmp_path / "config" / "sites.json").read_text()
    assert PASSWORD not in saved and WRONG not in saved
    again = ConnectDialog(SavedSiteStore())
    qtbot.addWidget(again)
    assert [site.name for site in again.sites] == ["north", "west"]
    assert again.sites[0].url == north.url and again.sites[0].user == USER
    assert again.password_edit.text() == ""  # typed again after a restart


def test_engine_urls_with_password_connect_without_the_dialog(north, monkeypatch, caplog):
    monkeypatch.setenv("SENTINEL_PASSWORD", PASSWORD)
    unreachable = _closed_port_url()
    client = connect_sites([north.url, unreachable], USER, None, ask=False)
    try:
        # Named after the engine's own site; the unreachable one is left out and logged.
        assert client.sites == ["north-depot"]
        assert [str(c.id) for c in client.list_cameras()] == [f"north-depot/{north.camera.id}"]
        assert any(unreachable in record.getMessage() for record in caplog.records)
    finally:
        client.close()

    monkeypatch.setenv("SENTINEL_PASSWORD", WRONG)
    with pytest.raises(NoSiteConnected, match="wrong user name or password"):
        connect_sites([north.url], USER, None, ask=False)


def test_console_command_on_an_engine_url(north, tmp_path):
    shot = tmp_path / "remote.png"
    command = [sys.executable, "-m", "console.app", "--engine", north.url, "--user", USER]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SENTINEL_PASSWORD": PASSWORD}
    done = subprocess.run(
        [*command, "--screenshot", str(shot), "--after", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert QImage(str(shot)).width() == 1600

    refused = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "SENTINEL_PASSWORD": WRONG},
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("sentinel-console: error: ")
    assert "wrong user name or password" in refused.stderr
