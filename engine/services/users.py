"""UserService: create, log in, list and disable users; turn a login token into a Principal."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime, timezone

from engine.security.audit import AuditLog, Outcome
from engine.security.passwords import hash_password, verify_password
from engine.security.permissions import DEVICE_ROLE, Permission, RoleMatrix
from engine.security.principal import Principal, PrincipalKind, camera_scope
from engine.security.tokens import InvalidToken, JwtCodec
from engine.services.access import require
from engine.services.errors import Conflict, InvalidCredentials, InvalidInput, NotFound
from engine.services.schemas import PrincipalPublic, TokenPublic, UserCreate, UserPublic
from engine.storage.repos.users import StoredUser, UserExists, UserRepository


def system_principal(name: str = "cli") -> Principal:
    """Whoever runs the engine's own command line on the server: full rights (they already
    hold the database URL), recorded in the audit log under this name."""
    return Principal(
        kind=PrincipalKind.USER,
        name=name,
        role="admin",
        permissions=frozenset(Permission),
        cameras=None,
        remote="local",
    )


class UserService:
    """Users and logins. Every method that changes or lists users needs users.manage."""

    def __init__(
        self,
        users: UserRepository,
        audit: AuditLog,
        roles: RoleMatrix,
        tokens: JwtCodec,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._users = users
        self._audit = audit
        self._roles = roles
        self._tokens = tokens
        self._clock = clock

    def create(self, principal: Principal, new: UserCreate) -> UserPublic:
        target = f"user:{new.name}"
        require(principal, Permission.USERS_MANAGE, self._audit, "user.create", target)
        if new.role not in self._roles or new.role == DEVICE_ROLE:
            raise InvalidInput(f"unknown role {new.role!r}; one of {self._user_roles()}")
        try:
            user = self._users.add(new.name, hash_password(new.password), new.role, new.cameras)
        except UserExists:
            raise Conflict() from None
        self._audit.record(principal, "user.create", target)
        return to_public(user)

    def login(self, name: str, password: str, remote: str = "local") -> TokenPublic:
        """A token for valid credentials; InvalidCredentials (audited) for anything else,
        the same for an unknown name, a wrong password and a disabled user."""
        user = self._users.get_by_name(name)
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or user.disabled:
            self._audit.record(f"user:{name[:128]}", "auth.login", None, Outcome.FAILED, remote)
            raise InvalidCredentials()
        token, expires = self._tokens.issue(str(user.id), user.name)
        self._users.touch_login(user.id, self._clock())
        self._audit.record(f"user:{user.name}", "auth.login", None, Outcome.OK, remote)
        return TokenPublic(
            access_token=token, expires_at=datetime.fromtimestamp(expires, timezone.utc)
        )

    def authenticate(self, token: str, remote: str = "local") -> Principal:
        """The Principal of a valid token whose user still exists and is enabled. Role and
        camera rights come from the database, so a change applies to live tokens at once."""
        try:
            claims = self._tokens.decode(token)
        except InvalidToken:
            raise InvalidCredentials() from None
        user = self._users.get(claims.user_id)
        if user is None or user.disabled:
            raise InvalidCredentials()
        return self.principal_of(user, remote)

    def token_subject(self, token: str) -> str | None:
        """The user id a token names if its signature and expiry check, else None. No
        database call: cheap enough for rate limiting, not enough to authorise."""
        try:
            return self._tokens.decode(token).user_id
        except InvalidToken:
            return None

    def principal_of(self, user: StoredUser, remote: str = "local") -> Principal:
        role = self._roles.get(user.role)
        return Principal(
            kind=PrincipalKind.USER,
            name=user.name,
            role=user.role,
            permissions=role.permissions if role else frozenset(),
            cameras=camera_scope(list(user.cameras), bool(role and role.all_cameras)),
            remote=remote,
        )

    def list(self, principal: Principal) -> list[UserPublic]:
        require(principal, Permission.USERS_MANAGE, self._audit, "user.list")
        return [to_public(user) for user in self._users.list()]

    def disable(self, principal: Principal, name: str, disabled: bool = True) -> None:
        target = f"user:{name}"
        action = "user.disable" if disabled else "user.enable"
        require(principal, Permission.USERS_MANAGE, self._audit, action, target)
        if not self._users.set_disabled(name, disabled):
            raise NotFound()
        self._audit.record(principal, action, target)

    def set_cameras(
        self, principal: Principal, name: str, cameras: builtins.list[str]
    ) -> UserPublic:
        """Replace the cameras `name` may see; live tokens follow at once (authenticate reads
        the row). Ids are kept as given: a camera added later under that id is covered."""
        target = f"user:{name}"
        require(principal, Permission.USERS_MANAGE, self._audit, "user.cameras", target)
        cleaned = sorted({c.strip() for c in cameras if c.strip()})
        if any(len(c) > 200 for c in cleaned):
            raise InvalidInput("a camera id is at most 200 characters")
        user = self._users.set_cameras(name, cleaned)
        if user is None:
            raise NotFound()
        self._audit.record(principal, "user.cameras", target)
        return to_public(user)

    def _user_roles(self) -> builtins.list[str]:
        return [name for name in self._roles.names if name != DEVICE_ROLE]


def describe(principal: Principal) -> PrincipalPublic:
    return PrincipalPublic(
        kind=principal.kind.value,
        name=principal.name,
        role=principal.role,
        permissions=sorted(p.value for p in principal.permissions),
        cameras=None if principal.cameras is None else sorted(principal.cameras),
    )


def to_public(user: StoredUser) -> UserPublic:
    return UserPublic(
        id=user.id,
        name=user.name,
        role=user.role,
        cameras=list(user.cameras),
        disabled=user.disabled,
        created_at=user.created_at,
        last_login=user.last_login,
    )
