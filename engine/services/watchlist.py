"""WatchlistService: the plates to flag (watchlist.manage: supervisors, admins)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engine.domain.plate import fold_plate_key
from engine.security.audit import AuditLog
from engine.security.permissions import Permission
from engine.security.policy import FieldPolicy
from engine.security.principal import Principal
from engine.services.access import require
from engine.services.errors import InvalidInput, NotFound
from engine.storage.models_alpr import WatchlistRow
from engine.storage.repos.plates import PlateRepository


class WatchCreate(BaseModel):
    text: str = Field(min_length=1, max_length=20, description="plate text, e.g. '4XX F538'")
    label: str = Field(min_length=1, max_length=128)
    reason: str | None = Field(default=None, max_length=512)


class WatchPublic(BaseModel):
    """An entry: its folded key (None for an HMAC-only entry), label and reason."""

    id: int
    folded: str | None
    has_hmac: bool
    label: str
    reason: str | None
    created_at: datetime


def _public(row: WatchlistRow) -> WatchPublic:
    return WatchPublic(
        id=row.id,
        folded=row.folded,
        has_hmac=row.plate_hmac is not None,
        label=row.label,
        reason=row.reason,
        created_at=row.created_at,
    )


class WatchlistService:
    """Entries keep the folded key and its keyed HMAC, so plate events stored redacted match."""

    def __init__(self, plates: PlateRepository, audit: AuditLog, policy: FieldPolicy) -> None:
        self._plates = plates
        self._audit = audit
        self._policy = policy

    def list(self, principal: Principal) -> list[WatchPublic]:
        require(principal, Permission.WATCHLIST_MANAGE, self._audit, "watchlist.list")
        self._audit.record(principal, "watchlist.list")
        return [_public(row) for row in self._plates.list_watch()]

    def add(self, principal: Principal, entry: WatchCreate) -> WatchPublic:
        require(principal, Permission.WATCHLIST_MANAGE, self._audit, "watchlist.add")
        if not fold_plate_key(entry.text):
            raise InvalidInput("text: needs letters or digits")
        watch_id = self._plates.add_watch(
            entry.text, entry.label, entry.reason, hmac_of=self._policy.hmac
        )
        self._audit.record(principal, "watchlist.add", f"watch:{watch_id}")
        row = next(r for r in self._plates.list_watch() if r.id == watch_id)
        return _public(row)

    def delete(self, principal: Principal, watch_id: int) -> None:
        target = f"watch:{watch_id}"
        require(principal, Permission.WATCHLIST_MANAGE, self._audit, "watchlist.delete", target)
        if not self._plates.delete_watch(watch_id):
            raise NotFound()
        self._audit.record(principal, "watchlist.delete", target)
