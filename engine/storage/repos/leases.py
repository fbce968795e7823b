"""LeaseRepository: engine heartbeats and camera leases, the cluster's only shared state.

Every time is the database server's clock (`now`), so engines on hosts whose clocks disagree
still agree on who holds what. Each write is one statement, atomic on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.storage.database import Database
from engine.storage.models_leases import CameraLeaseRow, EngineNodeRow


@dataclass(frozen=True)
class EngineNode:
    """One engine process as the cluster sees it."""

    engine_id: str
    name: str
    site: str
    started_at: datetime


@dataclass(frozen=True)
class Lease:
    camera_id: str
    engine_id: str
    expires_at: datetime


class LeaseRepository:
    """Heartbeats of engine processes and the leases by which they split the cameras."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._dialect = postgresql if db.dialect == "postgresql" else sqlite

    def now(self) -> datetime:
        """The database's clock (PostgreSQL), or this host's where the database is a local file."""
        if self._db.dialect != "postgresql":
            return datetime.now(timezone.utc)
        with self._db.engine.connect() as connection:
            value = connection.execute(select(func.clock_timestamp())).scalar_one()
        return value.astimezone(timezone.utc)

    # engines -----------------------------------------------------------------------------------
    def heartbeat(self, node: EngineNode, now: datetime) -> None:
        """Record that `node` is alive at `now` (registering it on its first beat)."""
        values = {**node.__dict__, "heartbeat_at": now}
        insert = self._dialect.insert(EngineNodeRow).values(values)
        stmt = insert.on_conflict_do_update(
            index_elements=["engine_id"], set_={"heartbeat_at": insert.excluded.heartbeat_at}
        )
        with self._db.sessions.begin() as session:
            session.execute(stmt)

    def live_engines(self, since: datetime) -> list[str]:
        """Ids of the engines that beat at or after `since`, oldest engine first."""
        query = (
            select(EngineNodeRow.engine_id)
            .where(EngineNodeRow.heartbeat_at >= since)
            .order_by(EngineNodeRow.started_at, EngineNodeRow.engine_id)
        )
        with self._db.sessions() as session:
            return list(session.scalars(query))

    def leave(self, engine_id: str) -> None:
        """A clean shutdown: drop the engine and free its cameras for the others at once."""
        with self._db.sessions.begin() as session:
            session.execute(delete(CameraLeaseRow).where(CameraLeaseRow.engine_id == engine_id))
            session.execute(delete(EngineNodeRow).where(EngineNodeRow.engine_id == engine_id))

    # leases ------------------------------------------------------------------------------------
    def leases(self) -> dict[str, Lease]:
        """Every lease, expired ones included, by camera id."""
        with self._db.sessions() as session:
            rows = session.scalars(select(CameraLeaseRow)).all()
            return {r.camera_id: Lease(r.camera_id, r.engine_id, r.expires_at) for r in rows}

    def claim(self, camera_id: str, engine_id: str, now: datetime, ttl: timedelta) -> bool:
        """Take the camera if it is free, its lease expired, or it is already ours; one
        conditional upsert, so of engines claiming at once exactly one wins."""
        insert = self._dialect.insert(CameraLeaseRow).values(
            camera_id=camera_id, engine_id=engine_id, expires_at=now + ttl
        )
        table = CameraLeaseRow.__table__.c
        stmt = insert.on_conflict_do_update(
            index_elements=["camera_id"],
            set_={"engine_id": insert.excluded.engine_id, "expires_at": insert.excluded.expires_at},
            where=(table.expires_at < now) | (table.engine_id == engine_id),
        ).returning(table.camera_id)
        with self._db.sessions.begin() as session:
            return session.execute(stmt).first() is not None

    def renew(
        self, engine_id: str, camera_ids: Iterable[str], now: datetime, ttl: timedelta
    ) -> set[str]:
        """Extend our leases on `camera_ids`; returns those still ours (a lease that expired
        meanwhile may have gone to another engine)."""
        ids = list(camera_ids)
        if not ids:
            return set()
        stmt = (
            update(CameraLeaseRow)
            .where(CameraLeaseRow.engine_id == engine_id, CameraLeaseRow.camera_id.in_(ids))
            .values(expires_at=now + ttl)
            .returning(CameraLeaseRow.camera_id)
        )
        with self._db.sessions.begin() as session:
            return set(session.scalars(stmt))

    def release(self, engine_id: str, camera_ids: Iterable[str]) -> None:
        """Give up our leases on `camera_ids` (others' leases are left alone)."""
        ids = list(camera_ids)
        if not ids:
            return
        with self._db.sessions.begin() as session:
            session.execute(
                delete(CameraLeaseRow).where(
                    CameraLeaseRow.engine_id == engine_id, CameraLeaseRow.camera_id.in_(ids)
                )
            )
