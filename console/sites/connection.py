"""Opening saved sites: the remote EngineClient of each, and the name each site gets."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from console.sites.saved_sites import SavedSite
from engine.client import EngineClient
from engine.client.sites import check_site_name

# How the console opens one site: its saved definition and the password typed for it.
OpenSite = Callable[[SavedSite, str], EngineClient]


def open_saved_site(site: SavedSite, password: str) -> EngineClient:
    """Log in to the site's engine. Raises InvalidCredentials for a refused login, Unavailable
    or OSError when it cannot be reached, ssl errors for an untrusted certificate."""
    context = ssl.create_default_context(cafile=site.ca_file) if site.ca_file else None
    # Imported here: the remote client brings aiortc, which an in-process console never needs.
    from engine.client.remote_client import open_remote_client

    return open_remote_client(site.url, site.user, password, ssl_context=context)


def url_site(url: str, user: str, ca_file: str | None, saved: Iterable[SavedSite]) -> SavedSite:
    """The site for `--engine URL`: the saved one with that URL (the user and CA given on the
    command line win), else a new one named after the URL's host and port."""
    url = url.strip().rstrip("/")
    for site in saved:
        if site.url == url:
            update = {"user": user or site.user, "ca_file": ca_file or site.ca_file}
            return site.model_copy(update=update)
    parts = urlsplit(url)
    name = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return SavedSite(name=name or url, url=url, user=user, ca_file=ca_file)


def connection_name(site: SavedSite, client: object, saved: bool, taken: Iterable[str]) -> str:
    """A saved site keeps its saved name; one given only by its URL takes the engine's own site
    name (SENTINEL_SITE there) unless another connection has it already."""
    own = getattr(client, "site", None)
    if saved or not isinstance(own, str) or own in set(taken):
        return site.name
    try:
        return check_site_name(own)
    except ValueError:
        return site.name
