"""Saved sites: what an operator saves comes back in order after a restart, from the folder
SENTINEL_CONFIG_DIR names; a site name with '/' or a URL that is not http(s) is refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from console.sites.saved_sites import SavedSite, SavedSiteStore

SITES = [
    SavedSite(name="north-depot", url="https://10.1.0.5:8443/", user="ops", ca_file="/etc/ca.pem"),
    SavedSite(name="south depot", url="http://127.0.0.1:8080", user="ops"),
]


def test_saved_sites_come_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTINEL_CONFIG_DIR", str(tmp_path / "config"))
    assert SavedSiteStore().load() == []
    SavedSiteStore().save(SITES)

    again = SavedSiteStore().load()
    assert again == SITES
    assert again[0].url == "https://10.1.0.5:8443"  # a trailing slash is not part of the site
    on_disk = json.loads((tmp_path / "config" / "sites.json").read_text())
    assert [set(site) for site in on_disk["sites"]] == [{"name", "url", "user", "ca_file"}] * 2


def test_unreadable_file_means_no_saved_sites(tmp_path):
    (tmp_path / "sites.json").write_text("{not json")
    assert SavedSiteStore(tmp_path).load() == []


@pytest.mark.parametrize(
    ("name", "url"),
    [("a/b", "https://x:1"), ("", "https://x:1"), ("ok", "ftp://x"), ("ok", "x:8443")],
)
def test_bad_sites_are_refused(name, url):
    with pytest.raises(ValidationError):
        SavedSite(name=name, url=url)


def test_two_sites_with_one_name_are_not_saved(tmp_path):
    with pytest.raises(ValueError):
        SavedSiteStore(tmp_path).save([SITES[0], SITES[0]])
    assert not (tmp_path / "sites.json").exists()
