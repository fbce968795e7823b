"""Alembic migrations, run from code: no alembic.ini on disk, the script location is this
package, so an installed engine migrates its own database on start."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text

log = logging.getLogger(__name__)

# Any fixed 64-bit number; every engine that migrates a Sentinel database takes this lock.
_PG_LOCK_KEY = 0x53454E54494E454C  # "SENTINEL"


def alembic_config() -> Config:
    """An Alembic config pointing at this package (the caller adds the connection)."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    return config


def head_revisions() -> set[str]:
    """The newest revisions shipped with this code. Features add their tables on branches off
    the initial revision (one migration per concept), so there may be several heads."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert heads, "no migrations found"
    return heads


def migrate(target: str | Engine) -> None:
    """Upgrade the database at `target` (URL or Engine) to its heads; from empty creates everything.
    On PostgreSQL the whole upgrade is one transaction holding an advisory lock, so engines that
    start together take turns: the second waits, then finds the schema at head."""
    from engine.storage.database import normalize_url  # avoids an import cycle at load time

    engine = create_engine(normalize_url(target)) if isinstance(target, str) else target
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                # Transaction-scoped: released by the commit, or by the server if we die.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
                )
            config = alembic_config()
            # Alembic sees a transaction already open and runs inside it.
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        log.info("database schema at head", extra={"dialect": engine.dialect.name})
    finally:
        if isinstance(target, str):
            engine.dispose()
