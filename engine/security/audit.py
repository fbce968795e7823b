"""AuditLog: the one way anything records who did what, for the audit_log table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum

from engine.security.principal import Principal
from engine.storage.repos.audit import AuditEntry, AuditRepository

log = logging.getLogger(__name__)


class Outcome(str, Enum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


class AuditLog:
    """Records audit rows. `clock` returns an aware UTC datetime (tests pass their own).
    Rows name objects by id, never by plate text or any secret."""

    def __init__(
        self,
        repo: AuditRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._repo = repo
        self._clock = clock

    def record(
        self,
        actor: Principal | str,
        action: str,
        object: str | None = None,
        outcome: Outcome = Outcome.OK,
        remote: str | None = None,
    ) -> AuditEntry:
        """Append one row. `actor` is a Principal (its name and address are used) or, before
        anyone is authenticated (a failed login), a plain name such as 'user:alice'."""
        name = actor.actor if isinstance(actor, Principal) else actor
        where = remote or (actor.remote if isinstance(actor, Principal) else None)
        entry = self._repo.add(self._clock(), name, action, object, outcome.value, where)
        log.debug("audit", extra={"actor": name, "action": action, "outcome": outcome.value})
        return entry

    def entries(self, **filters: object) -> list[AuditEntry]:
        return self._repo.list(**filters)  # type: ignore[arg-type]
