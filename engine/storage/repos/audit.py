"""AuditRepository: append-only audit rows and filtered, paged reads (newest first)."""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from engine.storage.database import Database
from engine.storage.models_access import AuditRow


@dataclass(frozen=True)
class AuditEntry:
    """One audit row: who did what to which object, when, from where, and the outcome."""

    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    object: str | None
    outcome: str
    remote: str | None


class AuditRepository:
    """Appends and lists audit rows. There is deliberately no update or delete."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        at: datetime,
        actor: str,
        action: str,
        object: str | None,
        outcome: str,
        remote: str | None,
    ) -> AuditEntry:
        row = AuditRow(
            id=uuid.uuid4(),
            at=at,
            actor=actor,
            action=action,
            object=object,
            outcome=outcome,
            remote=remote,
        )
        with self._db.sessions.begin() as session:
            session.add(row)
        return _to_entry(row)

    def list(
        self,
        actor: str | None = None,
        action: str | None = None,
        object: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[AuditEntry]:
        clauses: builtins.list[ColumnElement[bool]] = []
        if actor is not None:
            clauses.append(AuditRow.actor == actor)
        if action is not None:
            clauses.append(AuditRow.action == action)
        if object is not None:
            clauses.append(AuditRow.object == object)
        query = select(AuditRow).where(*clauses).order_by(AuditRow.at.desc(), AuditRow.id)
        with self._db.sessions() as session:
            rows = session.scalars(query.limit(limit).offset(offset)).all()
            return [_to_entry(row) for row in rows]


def _to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        object=row.object,
        outcome=row.outcome,
        remote=row.remote,
    )
