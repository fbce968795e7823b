from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from engine.storage import head_revisions, migrate, normalize_url
from engine.storage.models import Base


def _engine(url: str):
    return create_engine(normalize_url(url))


def test_migrate_from_empty_reaches_head_and_is_idempotent(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)  # a second start finds the schema at head and does nothing
    engine = _engine(database_url)
    try:
        inspector = inspect(engine)
        assert {"alembic_version", "cameras", "events"} <= set(inspector.get_table_names())
        indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("events")}
        assert indexes["ix_events_camera_id_timestamp"] == ["camera_id", "timestamp"]
        assert indexes["ix_events_timestamp"] == ["timestamp"]
        assert indexes["ix_events_camera_id"] == ["camera_id"]
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert {v for (v,) in versions} == head_revisions()
    finally:
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    migrate(database_url)
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_engines_migrating_the_same_empty_postgres_at_once_both_succeed(postgres_url: str) -> None:
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            migrate(postgres_url)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    engine = _engine(postgres_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert {v for (v,) in versions} == head_revisions()
    finally:
        engine.dispose()
