"""DeviceKeyRepository: device API keys, found by their public prefix."""

from __future__ import annotations

import builtins
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update

from engine.storage.database import Database
from engine.storage.models_access import DeviceKeyRow


@dataclass(frozen=True)
class StoredDeviceKey:
    """A device_keys row; `key_hash` is the SHA-256 of the token, never the token."""

    id: uuid.UUID
    prefix: str
    key_hash: str
    name: str
    role: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


# Per open Database, how many revocations (each counted twice) this process has made.
_REVISIONS: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()
_REVISION_LOCK = threading.Lock()


class DeviceKeyRepository:
    """Stores, finds, revokes and stamps device keys."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, prefix: str, key_hash: str, name: str, role: str, created_by: str
    ) -> StoredDeviceKey:
        row = DeviceKeyRow(
            id=uuid.uuid4(),
            prefix=prefix,
            key_hash=key_hash,
            name=name,
            role=role,
            created_by=created_by,
            created_at=datetime.now(timezone.utc),
        )
        with self._db.sessions.begin() as session:
            session.add(row)
        return _to_key(row)

    def get_by_prefix(self, prefix: str) -> StoredDeviceKey | None:
        with self._db.sessions() as session:
            query = select(DeviceKeyRow).where(DeviceKeyRow.prefix == prefix)
            row = session.scalars(query).first()
            return None if row is None else _to_key(row)

    def list(self) -> builtins.list[StoredDeviceKey]:
        query = select(DeviceKeyRow).order_by(DeviceKeyRow.created_at, DeviceKeyRow.id)
        with self._db.sessions() as session:
            return [_to_key(row) for row in session.scalars(query)]

    def revoke(self, key_id: uuid.UUID, at: datetime) -> bool:
        """Mark revoked (first revocation time wins); True when the key exists."""
        self._bump()  # before and after: a lookup racing the revocation is not cached
        try:
            with self._db.sessions.begin() as session:
                row = session.get(DeviceKeyRow, key_id)
                if row is None:
                    return False
                if row.revoked_at is None:
                    row.revoked_at = at
                return True
        finally:
            self._bump()

    @property
    def revision(self) -> int:
        """Bumped around every revocation made in this process on this database (through any
        repository): a cache of lookups (DeviceKeyService's) drops what it read before."""
        return _REVISIONS.get(self._db, 0)

    def _bump(self) -> None:
        with _REVISION_LOCK:
            _REVISIONS[self._db] = _REVISIONS.get(self._db, 0) + 1

    def touch(self, key_id: uuid.UUID, at: datetime) -> None:
        stmt = update(DeviceKeyRow).where(DeviceKeyRow.id == key_id).values(last_used=at)
        with self._db.sessions.begin() as session:
            session.execute(stmt)


def _to_key(row: DeviceKeyRow) -> StoredDeviceKey:
    return StoredDeviceKey(
        id=row.id,
        prefix=row.prefix,
        key_hash=row.key_hash,
        name=row.name,
        role=row.role,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used=row.last_used,
    )
