"""UserRepository: console users (names, password hashes, roles, camera rights)."""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engine.storage.database import Database
from engine.storage.models_access import UserRow


class UserExists(Exception):
    """A user with this name already exists."""


@dataclass(frozen=True)
class StoredUser:
    """A users row as the service layer sees it. `cameras` lists ids, or ["*"] for all."""

    id: uuid.UUID
    name: str
    password_hash: str
    role: str
    cameras: tuple[str, ...]
    disabled: bool
    created_at: datetime
    last_login: datetime | None


class UserRepository:
    """Stores and finds users by id or name."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, name: str, password_hash: str, role: str, cameras: builtins.list[str]
    ) -> StoredUser:
        row = UserRow(
            id=uuid.uuid4(),
            name=name,
            password_hash=password_hash,
            role=role,
            cameras=builtins.list(cameras),
            disabled=False,
            created_at=datetime.now(timezone.utc),
        )
        try:
            with self._db.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise UserExists(name) from None
        return _to_user(row)

    def get(self, user_id: uuid.UUID | str) -> StoredUser | None:
        try:
            key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
        except ValueError:
            return None
        with self._db.sessions() as session:
            row = session.get(UserRow, key)
            return None if row is None else _to_user(row)

    def get_by_name(self, name: str) -> StoredUser | None:
        with self._db.sessions() as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
            return None if row is None else _to_user(row)

    def list(self) -> builtins.list[StoredUser]:
        with self._db.sessions() as session:
            return [_to_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]

    def count(self) -> int:
        with self._db.sessions() as session:
            return len(session.scalars(select(UserRow.id)).all())

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """True when a user of that name existed."""
        stmt = update(UserRow).where(UserRow.name == name).values(disabled=disabled)
        with self._db.sessions.begin() as session:
            return bool(session.execute(stmt.returning(UserRow.id)).first())

    def set_cameras(self, name: str, cameras: builtins.list[str]) -> StoredUser | None:
        """The user with their new camera list; None when no user has that name."""
        stmt = update(UserRow).where(UserRow.name == name).values(cameras=builtins.list(cameras))
        with self._db.sessions.begin() as session:
            if not session.execute(stmt.returning(UserRow.id)).first():
                return None
        return self.get_by_name(name)

    def touch_login(self, user_id: uuid.UUID, at: datetime) -> None:
        with self._db.sessions.begin() as session:
            session.execute(update(UserRow).where(UserRow.id == user_id).values(last_login=at))


def _to_user(row: UserRow) -> StoredUser:
    return StoredUser(
        id=row.id,
        name=row.name,
        password_hash=row.password_hash,
        role=row.role,
        cameras=tuple(str(c) for c in row.cameras or ()),
        disabled=bool(row.disabled),
        created_at=row.created_at,
        last_login=row.last_login,
    )
