"""DeviceKeyService: issue, list and revoke device keys; authenticate an `x-api-key` value."""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from engine.security.audit import AuditLog, Outcome
from engine.security.device_keys import digest_of, new_device_key, prefix_of
from engine.security.permissions import DEVICE_ROLE, Permission, RoleMatrix
from engine.security.principal import Principal, PrincipalKind
from engine.services.access import require
from engine.services.errors import InvalidCredentials, NotFound
from engine.services.schemas import DeviceKeyIssued, DeviceKeyPublic
from engine.storage.repos.device_keys import DeviceKeyRepository, StoredDeviceKey

# last_used is written at most this often per key, not on every request.
_TOUCH_EVERY = timedelta(seconds=60)
# A key that authenticated is trusted again without a query for this long (a query per request
# was the largest fixed cost of POST /ingest). A revocation made in this process on the same
# Database (DeviceKeyService.revoke, FleetService) applies at once; one made elsewhere (another
# server process, the CLI) applies within this many seconds.
AUTH_CACHE_S = 5.0
_AUTH_CACHE_MAX = 4096


class DeviceKeyService:
    """Device keys act with the 'device' role (upload and ingest only), like the seed's single
    API_KEY (`api_key`), which stays valid for compatibility. Managing keys needs fleet.manage."""

    def __init__(
        self,
        keys: DeviceKeyRepository,
        audit: AuditLog,
        roles: RoleMatrix,
        api_key: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        cache_s: float = AUTH_CACHE_S,
    ) -> None:
        self._keys = keys
        self._audit = audit
        self._roles = roles
        self._api_key = api_key or None
        self._clock = clock
        self._cache_s = cache_s
        # SHA-256 of a token -> (monotonic expiry, repository revision, principal name).
        self._cache: dict[str, tuple[float, int, str]] = {}

    def issue(self, principal: Principal, name: str) -> DeviceKeyIssued:
        require(principal, Permission.FLEET_MANAGE, self._audit, "device_key.issue")
        made = new_device_key()
        row = self._keys.add(made.prefix, made.digest, name, DEVICE_ROLE, principal.actor)
        self._audit.record(principal, "device_key.issue", f"device_key:{row.id}")
        return DeviceKeyIssued(**to_public(row).model_dump(), token=made.token)

    def list(self, principal: Principal) -> list[DeviceKeyPublic]:
        require(principal, Permission.FLEET_MANAGE, self._audit, "device_key.list")
        return [to_public(row) for row in self._keys.list()]

    def revoke(self, principal: Principal, key_id: str) -> None:
        target = f"device_key:{key_id}"
        require(principal, Permission.FLEET_MANAGE, self._audit, "device_key.revoke", target)
        try:
            found = self._keys.revoke(uuid.UUID(key_id), self._clock())
        except ValueError:
            found = False
        if not found:
            raise NotFound()
        self._audit.record(principal, "device_key.revoke", target)

    def authenticate(self, token: str, remote: str = "local") -> Principal:
        """The Principal of the seed API_KEY or of a live device key; InvalidCredentials for
        anything else (a revoked key's use is audited)."""
        if self._api_key and hmac.compare_digest(token.encode(), self._api_key.encode()):
            return self._principal(PrincipalKind.API_KEY, "API_KEY", remote)
        prefix = prefix_of(token)
        if not prefix:
            raise InvalidCredentials()
        digest = digest_of(token)
        revision = self._keys.revision
        hit = self._cache.get(digest)
        if hit is not None and hit[1] == revision and hit[0] > time.monotonic():
            return self._principal(PrincipalKind.DEVICE, hit[2], remote)
        row = self._keys.get_by_prefix(prefix)
        if row is None or not hmac.compare_digest(digest, row.key_hash):
            raise InvalidCredentials()
        if row.revoked:
            self._cache.pop(digest, None)
            target = f"device_key:{row.id}"
            self._audit.record(f"device:{row.name}", "auth.key", target, Outcome.FAILED, remote)
            raise InvalidCredentials()
        now = self._clock()
        if row.last_used is None or now - row.last_used >= _TOUCH_EVERY:
            self._keys.touch(row.id, now)
        name = f"{row.name}:{row.prefix}"
        if self._cache_s > 0:
            if len(self._cache) >= _AUTH_CACHE_MAX:
                self._cache.clear()
            self._cache[digest] = (time.monotonic() + self._cache_s, revision, name)
        return self._principal(PrincipalKind.DEVICE, name, remote)

    def _principal(self, kind: PrincipalKind, name: str, remote: str) -> Principal:
        # Devices see no camera data: their rights are writes (upload, ingest).
        return Principal(
            kind=kind,
            name=name,
            role=DEVICE_ROLE,
            permissions=self._roles.permissions(DEVICE_ROLE),
            cameras=frozenset(),
            remote=remote,
        )


def to_public(row: StoredDeviceKey) -> DeviceKeyPublic:
    """The stored key without its hash (the public schema has no such field)."""
    return DeviceKeyPublic.model_validate(row, from_attributes=True)
