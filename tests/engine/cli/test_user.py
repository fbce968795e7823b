"""`sentinel-engine user add|list|disable` against a real database."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.services import InvalidCredentials, build_services
from engine.storage.database import Database
from tests.engine.services.helpers import make_settings


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    """Runs `sentinel-engine user ...` in-process with DATABASE_URL set and stdin fed."""

    def run(url: str, tmp: Path, *args: str, stdin: str = "") -> Result:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("SENTINEL_DATA_DIR", str(tmp))
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["user", *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_user_add_then_login_then_disable(database_url: str, tmp_path: Path, cli) -> None:
    made = cli(database_url, tmp_path, "add", "ada", "--role", "operator", "--cameras", "c1,c2",
               "--password-stdin", stdin="s3cret-pass\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "s3cret" not in made.stdout + made.stderr
    listed = cli(database_url, tmp_path, "list")
    assert listed.stdout.split() == ["ada", "operator", "c1,c2", "active"]
    db = Database.open(database_url)
    try:
        services = build_services(db, make_settings(tmp_path))
        token = services.users.login("ada", "s3cret-pass").access_token
        assert services.users.authenticate(token).cameras == {"c1", "c2"}
        assert cli(database_url, tmp_path, "disable", "ada").returncode == 0
        with pytest.raises(InvalidCredentials):
            services.users.login("ada", "s3cret-pass")
        created = services.audit_log.entries(action="user.create")
        assert [(r.actor, r.object) for r in created] == [("user:cli", "user:ada")]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("args", "stdin", "error"),
    [
        (["add", "bob", "--role", "root", "--password-stdin"], "long-enough\n", "unknown role"),
        (["add", "bob", "--role", "admin", "--password-stdin"], "short\n", "password"),
    ],
)
def test_user_add_refuses_bad_input(sqlite_url: str, tmp_path: Path, cli, args, stdin, error):
    result = cli(sqlite_url, tmp_path, *args, stdin=stdin)
    assert result.returncode == 2 and error in result.stderr


@pytest.mark.parametrize(
    ("role", "cameras", "warned"),
    [
        ("operator", [], True),  # would see an empty wall
        ("labeler", [], True),
        ("operator", ["--cameras", "*"], False),
        ("supervisor", [], False),  # all_cameras in roles.yaml
        ("installer", [], False),  # no camera content at all
    ],
)
def test_user_add_says_when_the_user_will_see_no_camera(
    database_url: str, tmp_path: Path, cli, role: str, cameras: list[str], warned: bool
) -> None:
    made = cli(database_url, tmp_path, "add", "bo", "--role", role, *cameras,
               "--password-stdin", stdin="s3cret-pass\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert ("sees no camera yet" in made.stdout) is warned, made.stdout


def test_user_cameras_replaces_what_a_user_sees(database_url: str, tmp_path: Path, cli) -> None:
    cli(database_url, tmp_path, "add", "cy", "--role", "operator", "--password-stdin",
        stdin="s3cret-pass\n")  # fmt: skip
    changed = cli(database_url, tmp_path, "cameras", "cy", "gate,dock")
    assert changed.returncode == 0, changed.stderr
    assert "cy (operator) sees cameras: dock,gate" in changed.stdout
    assert cli(database_url, tmp_path, "list").stdout.split() == [
        "cy",
        "operator",
        "dock,gate",
        "active",
    ]
    unknown = cli(database_url, tmp_path, "cameras", "nobody", "*")
    assert unknown.returncode != 0 and "no user 'nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
