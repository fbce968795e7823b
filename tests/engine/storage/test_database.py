from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.storage import Database, normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db:5432/x", "postgresql+psycopg://u:p@db:5432/x"),
        ("postgresql+psycopg2://u@db/x", "postgresql+psycopg://u@db/x"),
        ("postgres://u@db/x", "postgresql+psycopg://u@db/x"),
        ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
        ("sqlite:////var/lib/sentinel.db", "sqlite:////var/lib/sentinel.db"),
    ],
)
def test_normalize_url_maps_every_postgres_spelling_to_psycopg3(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_open_creates_the_sqlite_folder_and_uses_wal(tmp_path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'deep' / 'er' / 'sentinel.db'}")
    try:
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.dialect == "sqlite"
    finally:
        db.close()


@pytest.mark.postgres
def test_open_accepts_a_plain_postgresql_url(postgres_url: str) -> None:
    db = Database.open(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert db.dialect == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
    finally:
        db.close()


def test_open_raises_when_the_server_is_unreachable() -> None:
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError):
        Database.open("postgresql://postgres@127.0.0.1:1/nothing", connect_timeout_s=2)
