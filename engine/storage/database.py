"""Database: one SQLAlchemy engine and session factory per opened URL, migrated on open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from engine.storage.migrations import migrate

log = logging.getLogger(__name__)

# Seeds and older configs name other PostgreSQL drivers; the engine ships psycopg 3 only.
_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"}


def normalize_url(url: str) -> str:
    """Map every PostgreSQL spelling to psycopg 3; leave other URLs as they are."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_DRIVERS:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """An opened database: `engine` plus `sessions`, a sessionmaker whose sessions keep loaded
    objects usable after commit. Repositories take a Database; nothing here is global."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        run_migrations: bool = True,
        connect_timeout_s: int = 10,
        sqlite_busy_timeout_s: float = 5.0,
    ) -> Database:
        """Connect to `url` (sqlite:///path or postgresql+psycopg://...) and upgrade its schema.
        Raises the driver's error (wrapped by SQLAlchemy) when the database cannot be reached."""
        parsed = make_url(normalize_url(url))
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = sqlite_busy_timeout_s
        elif parsed.get_backend_name() == "postgresql":
            # Fail fast when the server is unreachable instead of hanging a camera thread.
            connect_args["connect_timeout"] = connect_timeout_s
        pool: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            # A server answers many requests at once (uvicorn's thread pool): with SQLAlchemy's
            # 5 pooled connections the rest were opened and closed per request.
            pool = {"pool_size": 10, "max_overflow": 20}
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **pool)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            if run_migrations:
                migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        log.info("database opened", extra={"url": parsed.render_as_string(hide_password=True)})
        return cls(engine)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection. The Database must not be used afterwards."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the console read while the engine writes; NORMAL sync is safe with WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
