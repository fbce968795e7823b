"""ConnectDialog: choose the engines (sites) to connect to, several at once.

Saved sites are listed with a check box each; the form below edits the highlighted one (New,
Save, Remove write the saved-site file, passwords never). Connect logs in to every checked site
in the background; a site that refuses or cannot be reached says why beside its name and the
dialog stays open, keeping the sites that did connect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.ops import BackgroundOps
from console.sites.connection import OpenSite, connection_name, open_saved_site
from console.sites.saved_sites import SavedSite, SavedSiteStore
from engine.client import EngineClient
from engine.client.sites import describe_failure

log = logging.getLogger(__name__)
ERROR_COLOUR = "#ef5350"
OK_COLOUR = "#66bb6a"


class ConnectDialog(QDialog):
    """`extra` sites (from `--engine URL`) are listed and checked without being saved until the
    operator presses Save; `password` prefills theirs. After `exec()` is accepted,
    `connections()` hands over the open clients by site name; otherwise they are closed."""

    def __init__(
        self,
        store: SavedSiteStore,
        open_site: OpenSite = open_saved_site,
        extra: Iterable[SavedSite] = (),
        password: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to engines")
        self.resize(560, 480)
        self._store = store
        self._open_site = open_site
        self.sites: list[SavedSite] = store.load()
        self._saved = {site.name for site in self.sites}
        self._passwords: dict[str, str] = {}
        self._clients: dict[str, EngineClient] = {}
        self.errors: dict[str, str] = {}
        self._pending: set[str] = set()
        self._closing = False
        self._ops = BackgroundOps(self, workers=4)
        for site in extra:
            if site.name not in {s.name for s in self.sites}:
                self.sites.append(site)
            if password:
                self._passwords[site.name] = password
        checked = {site.name for site in extra} or set(self._saved)
        self._build()
        for site in self.sites:
            self._add_item(site, site.name in checked)
        if self.site_list.count():
            self.site_list.setCurrentRow(0)
        else:
            self.new_site()

    # layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.site_list = QListWidget()
        self.site_list.currentItemChanged.connect(lambda item, _old: self._show_site(item))
        self.name_edit = QLineEdit(placeholderText="e.g. north-depot")
        self.url_edit = QLineEdit(placeholderText="https://engine.example:8443")
        self.user_edit = QLineEdit()
        self.ca_edit = QLineEdit(
            placeholderText="optional: the CA file of the engine's certificate"
        )
        self.password_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.password_edit.textEdited.connect(self._remember_password)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit)
        ca_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("URL", self.url_edit)
        form.addRow("User", self.user_edit)
        form.addRow("CA file", ca_row)
        form.addRow("Password", self.password_edit)
        self.new_button = QPushButton("New")
        self.new_button.clicked.connect(self.new_site)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save_site)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_site)
        edits = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.remove_button):
            button.setAutoDefault(False)  # Enter in the form means Connect
            edits.addWidget(button)
        edits.addStretch()
        self.message_label = QLabel(wordWrap=True)
        self.message_label.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.connect_checked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sites (check those to connect to)"))
        layout.addWidget(self.site_list)
        layout.addLayout(form)
        layout.addLayout(edits)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

    def _add_item(self, site: SavedSite, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem()
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, site.name)
        self.site_list.addItem(item)
        self._refresh_item(item)
        return item

    def _refresh_item(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        site = self._site(name)
        text = f"{name}   {site.url}" + ("" if name in self._saved else "   (not saved)")
        colour = None
        if name in self._pending:
            text += "   — connecting…"
        elif name in self.errors:
            text += f"   — {self.errors[name]}"
            colour = ERROR_COLOUR
        elif name in self._clients:
            text += "   — connected"
            colour = OK_COLOUR
        item.setText(text)
        item.setForeground(QColor(colour) if colour else self.palette().text())

    # the form -------------------------------------------------------------------------------
    def _site(self, name: str) -> SavedSite:
        return next(site for site in self.sites if site.name == name)

    def _current_name(self) -> str | None:
        item = self.site_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_site(self, item: QListWidgetItem | None) -> None:
        site = self._site(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
        self.name_edit.setText(site.name if site else "")
        self.url_edit.setText(site.url if site else "")
        self.user_edit.setText(site.user if site else "")
        self.ca_edit.setText((site.ca_file or "") if site else "")
        self.password_edit.setText(self._passwords.get(site.name, "") if site else "")

    def _remember_password(self, text: str) -> None:
        name = self._current_name()
        if name is not None:
            self._passwords[name] = text

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA certificate", "", "PEM (*.pem *.crt)")
        if path:
            self.ca_edit.setText(path)

    def new_site(self) -> None:
        """An empty form; Save adds what it holds as a new site."""
        self.site_list.setCurrentRow(-1)
        self._show_site(None)
        self.name_edit.setFocus()

    def _form_site(self) -> SavedSite | None:
        """The form as a site; None (and why, in the message line) when it is not one."""
        try:
            return SavedSite(
                name=self.name_edit.text().strip(),
                url=self.url_edit.text(),
                user=self.user_edit.text().strip(),
                ca_file=self.ca_edit.text().strip() or None,
            )
        except ValidationError as exc:
            self.message_label.setText("; ".join(e["msg"] for e in exc.errors()))
            return None

    def save_site(self) -> bool:
        """Add the form's site or replace the highlighted one, and write the saved sites."""
        site = self._form_site()
        if site is None:
            return False
        old = self._current_name()
        if site.name != old and any(s.name == site.name for s in self.sites):
            self.message_label.setText(f"there is already a site called {site.name}")
            return False
        if old is None:
            self.sites.append(site)
            item = self._add_item(site, True)
        else:
            self.sites[[s.name for s in self.sites].index(old)] = site
            item = self.site_list.currentItem()
            item.setData(Qt.ItemDataRole.UserRole, site.name)
            self._saved.discard(old)
            self._forget(old)
            password = self._passwords.pop(old, "")
            if password:
                self._passwords[site.name] = password
        if self.password_edit.text():
            self._passwords[site.name] = self.password_edit.text()
        self._saved.add(site.name)
        self._write()
        self._refresh_item(item)
        self.site_list.setCurrentItem(item)
        self.message_label.clear()
        return True

    def remove_site(self) -> None:
        name = self._current_name()
        if name is None:
            return
        self.site_list.takeItem(self.site_list.currentRow())
        self.sites = [site for site in self.sites if site.name != name]
        self._saved.discard(name)
        self._passwords.pop(name, None)
        self._forget(name)
        self._write()

    def _write(self) -> None:
        try:
            self._store.save([site for site in self.sites if site.name in self._saved])
        except (OSError, ValueError) as exc:
            self.message_label.setText(f"cannot save the sites: {exc}")

    def _forget(self, name: str) -> None:
        """A site whose definition changed is connected again from scratch."""
        self.errors.pop(name, None)
        client = self._clients.pop(name, None)
        if client is not None:
            client.close()

    # connecting -----------------------------------------------------------------------------
    def checked_names(self) -> list[str]:
        items = (self.site_list.item(row) for row in range(self.site_list.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def connect_checked(self) -> None:
        """Log in to every checked site not connected yet; accept once all of them are."""
        if self._pending:
            return
        names = self.checked_names()
        if not names:
            self.message_label.setText("check at least one site")
            return
        current = self._current_name()
        if current is not None and self._form_site() != self._site(current):
            self.message_label.setText(f"save or undo the changes to {current} first")
            return
        for name in names:
            if name in self._clients:
                continue
            password = self._passwords.get(name, "")
            if not password:
                self.errors[name] = "enter the password"
                continue
            self.errors.pop(name, None)
            self._pending.add(name)
            self._ops.run(
                partial(self._open_unless_closing, self._site(name), password),
                partial(self._opened, name),
                partial(self._failed, name),
            )
        self._settle()

    def _open_unless_closing(self, site: SavedSite, password: str) -> EngineClient:
        """A worker's login; one that ends after the dialog closed hangs up at once."""
        client = self._open_site(site, password)
        if self._closing:
            client.close()
            raise RuntimeError("the connect dialog closed")
        return client

    def _opened(self, name: str, client: EngineClient) -> None:
        self._pending.discard(name)
        self._clients[name] = client
        self._settle()

    def _failed(self, name: str, exc: Exception) -> None:
        self._pending.discard(name)
        self.errors[name] = describe_failure(exc)
        log.info("site %s: %s", name, self.errors[name])
        self._settle()

    def _settle(self) -> None:
        for row in range(self.site_list.count()):
            self._refresh_item(self.site_list.item(row))
        self.connect_button.setEnabled(not self._pending)
        if self._pending:
            self.message_label.setText("connecting…")
            return
        failing = [name for name in self.checked_names() if name in self.errors]
        if failing:
            self.message_label.setText(
                "\n".join(f"{name}: {self.errors[name]}" for name in failing)
                + "\nFix them, or uncheck them to go on with the others."
            )
        elif self.checked_names():
            self.message_label.clear()
            super().accept()

    def connections(self) -> dict[str, EngineClient]:
        """The checked sites' clients by site name (an unsaved site may take its engine's own
        name), in list order; the caller owns them from now on."""
        chosen = [name for name in self.checked_names() if name in self._clients]
        taken = [name for name in chosen if name in self._saved]
        named: dict[str, EngineClient] = {}
        for name in chosen:
            client = self._clients.pop(name)
            key = connection_name(self._site(name), client, name in self._saved, taken)
            taken.append(key)
            named[key] = client
        return named

    def done(self, result: int) -> None:
        """Waits for logins in flight; keeps the checked sites' clients only when accepted."""
        self._closing = True
        self._ops.close()
        keep = set(self.checked_names()) if result == QDialog.DialogCode.Accepted else set()
        for name in list(self._clients):
            if name not in keep:
                self._clients.pop(name).close()
        super().done(result)
