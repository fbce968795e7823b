"""SavedSiteStore: the engines an operator connects to, kept in the user's config folder.

A saved site is a name, the engine's URL, the user name and optionally the CA file that signed
the engine's certificate; never a password (it is typed at each start or comes from
SENTINEL_PASSWORD).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from PySide6.QtCore import QStandardPaths

from engine.client.sites import check_site_name

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "SENTINEL_CONFIG_DIR"
SITES_FILE = "sites.json"


class SavedSite(BaseModel):
    """One engine to connect to. `name` is the site's name in the console (`name/uuid` ids)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    url: str = Field(description="http(s)://host:port of the engine's API")
    user: str = ""
    ca_file: str | None = Field(
        default=None, description="PEM of the CA the engine's cert chains to"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_site_name(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the URL must look like https://host:port")
        return value.strip().rstrip("/")


class _SitesFile(BaseModel):
    sites: list[SavedSite] = Field(default_factory=list)


def config_dir() -> Path:
    """SENTINEL_CONFIG_DIR, else Qt's per-user application config folder."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))


class SavedSiteStore:
    """The saved sites, in order, as one JSON file (written whole, replaced atomically)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / SITES_FILE

    def load(self) -> list[SavedSite]:
        """The saved sites; none when there is no file or it cannot be read (logged)."""
        try:
            return _SitesFile.model_validate_json(self.path.read_bytes()).sites
        except FileNotFoundError:
            return []
        except (OSError, ValidationError) as exc:
            log.warning("saved sites unreadable (%s): %s", self.path, exc)
            return []

    def save(self, sites: list[SavedSite]) -> None:
        names = [site.name for site in sites]
        if len(set(names)) != len(names):
            raise ValueError("two saved sites have the same name")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".tmp")
        body = _SitesFile(sites=sites).model_dump(mode="json")
        scratch.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        os.replace(scratch, self.path)
