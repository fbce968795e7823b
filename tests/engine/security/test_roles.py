"""The permission matrix: the issue's starting point, loaded from the bundled roles file."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.settings import Settings
from engine.security.permissions import Permission, load_roles

P = Permission
EVERYTHING = frozenset(Permission)
# role -> (permissions, sees every camera)
EXPECTED = {
    "operator": ({P.VIDEO_VIEW, P.EVENTS_READ, P.ALERTS_READ, P.PLATES_VIEW}, False),
    "labeler": ({P.TRIAGE_WORK, P.EVENTS_READ}, False),
    "supervisor": (
        {P.VIDEO_VIEW, P.EVENTS_READ, P.ALERTS_READ, P.PLATES_VIEW, P.SEARCH, P.ANALYTICS,
         P.EXPORT, P.FLEET_READ, P.WATCHLIST_MANAGE},
        True,
    ),
    "installer": ({P.FLEET_READ, P.FLEET_MANAGE}, False),
    "admin": (EVERYTHING, True),
    "device": ({P.INGEST_WRITE, P.UPLOAD_WRITE, P.FLEET_REPORT}, False),
}  # fmt: skip


@pytest.mark.parametrize(("role", "expected"), list(EXPECTED.items()))
def test_bundled_matrix(role: str, expected: tuple[set[Permission], bool]) -> None:
    permissions, all_cameras = expected
    matrix = load_roles()
    found = matrix.get(role)
    assert found is not None
    assert (found.permissions, found.all_cameras) == (permissions, all_cameras)


def test_bundled_matrix_has_exactly_these_roles() -> None:
    assert load_roles().names == sorted(EXPECTED)


@pytest.mark.parametrize("role", ["labeler", "installer", "device"])
def test_plates_and_video_are_withheld(role: str) -> None:
    perms = load_roles().permissions(role)
    assert P.PLATES_VIEW not in perms and P.VIDEO_VIEW not in perms


def test_roles_file_from_settings_can_change_the_matrix(tmp_path: Path) -> None:
    custom = tmp_path / "roles.yaml"
    custom.write_text(
        "roles:\n  operator: {permissions: [events.read]}\n  device: {permissions: []}\n"
    )
    settings = Settings(_env_file=None, ROLES_FILE=str(custom))  # type: ignore[call-arg]
    matrix = load_roles(settings.roles_file)
    assert matrix.permissions("operator") == {P.EVENTS_READ}
    assert matrix.permissions("admin") == frozenset()  # unknown role: nothing


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("roles:\n  op: {permissions: [video.veiw]}\n  device: {}\n", "video.veiw"),
        ("roles:\n  op: {permissions: []}\n", "device"),
        ("roles: {}\n", "non-empty"),
    ],
)
def test_bad_roles_files_are_refused(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=error):
        load_roles(path)
