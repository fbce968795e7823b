"""`sentinel-console --engine URL ... | --connect`: the sites to open, with the dialog or not."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence

from PySide6.QtWidgets import QDialog

from console.sites.connect_dialog import ConnectDialog
from console.sites.connection import OpenSite, connection_name, open_saved_site, url_site
from console.sites.saved_sites import SavedSite, SavedSiteStore
from engine.client import EngineClient
from engine.client.sites import MultiSiteClient, describe_failure

log = logging.getLogger(__name__)
PASSWORD_ENV = "SENTINEL_PASSWORD"


class NoSiteConnected(Exception):
    """Every site given on the command line refused or could not be reached (the message
    says why, site by site)."""


def connect_sites(
    urls: Sequence[str],
    user: str,
    ca_file: str | None,
    *,
    ask: bool,
    store: SavedSiteStore | None = None,
    open_site: OpenSite = open_saved_site,
) -> MultiSiteClient | None:
    """The sites' engines as one client. With URLs, a user and SENTINEL_PASSWORD (and no `ask`)
    they are opened at once, a failing one reported and left out; otherwise the connect dialog
    asks (the URLs listed and checked in it). None when the operator cancels."""
    store = store or SavedSiteStore()
    saved = store.load()
    sites = _distinct(url_site(url, user, ca_file, saved) for url in urls)
    password = os.environ.get(PASSWORD_ENV, "")
    if sites and password and not ask and all(site.user for site in sites):
        return _open_directly(sites, password, {s.name for s in saved}, open_site)
    dialog = ConnectDialog(store, open_site, extra=sites, password=password)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return MultiSiteClient(dialog.connections())


def _open_directly(
    sites: list[SavedSite], password: str, saved: set[str], open_site: OpenSite
) -> MultiSiteClient:
    opened: dict[str, EngineClient] = {}
    failures: list[str] = []
    taken = [site.name for site in sites if site.name in saved]
    for site in sites:
        try:
            client = open_site(site, password)
        except Exception as exc:  # one site refusing leaves the others connected
            failures.append(f"{site.name} ({site.url}): {describe_failure(exc)}")
            continue
        name = connection_name(site, client, site.name in saved, taken)
        taken.append(name)
        opened[name] = client
    if not opened:
        raise NoSiteConnected("; ".join(failures))
    for failure in failures:
        log.error("site not connected: %s", failure)
    return MultiSiteClient(opened)


def _distinct(sites: Iterable[SavedSite]) -> list[SavedSite]:
    by_name: dict[str, SavedSite] = {}
    for site in sites:
        by_name.setdefault(site.name, site)
    return list(by_name.values())
