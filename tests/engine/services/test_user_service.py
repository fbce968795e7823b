"""UserService and DeviceKeyService: logins, roles, keys and the API_KEY, on both databases."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.security import Permission, PrincipalKind
from engine.services import AccessDenied, Conflict, InvalidCredentials, InvalidInput
from engine.services.schemas import UserCreate
from engine.storage.repos.device_keys import DeviceKeyRepository
from tests.engine.services.helpers import API_KEY, PASSWORD, World


def test_login_gives_a_token_that_authenticates_with_the_users_rights(world: World) -> None:
    token = world.services.users.login("operator", PASSWORD, "10.0.0.9")
    principal = world.services.users.authenticate(token.access_token, "10.0.0.9")
    assert (principal.kind, principal.name, principal.role) == (
        PrincipalKind.USER,
        "operator",
        "operator",
    )
    assert principal.has(Permission.PLATES_VIEW) and not principal.has(Permission.USERS_MANAGE)
    assert principal.cameras == frozenset({"cam-a"})
    rows = world.services.audit_log.entries(action="auth.login")
    assert [(r.actor, r.outcome, r.remote) for r in rows] == [("user:operator", "ok", "10.0.0.9")]


# What a device key and the seed API_KEY may do: write intake, report for their own device.
DEVICE_RIGHTS = {Permission.INGEST_WRITE, Permission.UPLOAD_WRITE, Permission.FLEET_REPORT}


@pytest.mark.parametrize(("name", "password"), [("operator", "wrong"), ("nobody", PASSWORD)])
def test_bad_logins_fail_alike_and_are_audited(world: World, name: str, password: str) -> None:
    with pytest.raises(InvalidCredentials):
        world.services.users.login(name, password)
    [row] = world.services.audit_log.entries(action="auth.login")
    assert (row.actor, row.outcome) == (f"user:{name}", "failed")


def test_disabled_user_can_neither_log_in_nor_use_a_live_token(world: World) -> None:
    token = world.services.users.login("labeler", PASSWORD).access_token
    world.services.users.disable(world.principal("admin"), "labeler")
    with pytest.raises(InvalidCredentials):
        world.services.users.authenticate(token)
    with pytest.raises(InvalidCredentials):
        world.services.users.login("labeler", PASSWORD)


@pytest.mark.parametrize("role", ["operator", "labeler", "supervisor", "installer"])
def test_only_admins_manage_users(world: World, role: str) -> None:
    new = UserCreate(name="eve", password=PASSWORD, role="admin")
    with pytest.raises(AccessDenied):
        world.services.users.create(world.principal(role), new)
    with pytest.raises(AccessDenied):
        world.services.users.list(world.principal(role))


def test_admin_creates_users_with_known_roles_only_and_unique_names(world: World) -> None:
    admin = world.principal("admin")
    made = world.services.users.create(
        admin, UserCreate(name="zoe", password=PASSWORD, role="supervisor")
    )
    assert made.role == "supervisor" and "zoe" in [u.name for u in world.services.users.list(admin)]
    with pytest.raises(Conflict):
        world.services.users.create(admin, UserCreate(name="zoe", password=PASSWORD, role="admin"))
    for role in ["root", "device"]:
        with pytest.raises(InvalidInput):
            world.services.users.create(
                admin, UserCreate(name="x" + role, password=PASSWORD, role=role)
            )


def test_device_keys_issue_authenticate_revoke(world: World) -> None:
    keys = world.services.device_keys
    installer = world.principal("installer")
    issued = keys.issue(installer, "pole-17")
    device = keys.authenticate(issued.token, "10.1.1.1")
    assert device.kind is PrincipalKind.DEVICE and device.role == "device"
    assert device.permissions == DEVICE_RIGHTS
    listed = {k.id: k for k in keys.list(installer)}
    assert listed[issued.id].last_used is not None
    assert "token" not in listed[issued.id].model_dump()
    keys.revoke(installer, str(issued.id))
    with pytest.raises(InvalidCredentials):
        keys.authenticate(issued.token)
    with pytest.raises(InvalidCredentials):  # right prefix, wrong secret
        keys.authenticate(issued.token[:-4] + "AAAA")
    actions = [(r.action, r.outcome) for r in world.services.audit_log.entries()]
    assert ("device_key.revoke", "ok") in actions and ("auth.key", "failed") in actions


def test_a_key_revoked_elsewhere_in_the_process_is_refused_at_once(world: World) -> None:
    """Authentication remembers a good key for a few seconds; a revocation through any
    repository on the same database (the fleet service has its own) still applies at once."""
    keys = world.services.device_keys
    issued = keys.issue(world.principal("installer"), "pole-18")
    assert keys.authenticate(issued.token).name == keys.authenticate(issued.token).name
    DeviceKeyRepository(world.db).revoke(issued.id, datetime.now(timezone.utc))
    with pytest.raises(InvalidCredentials):
        keys.authenticate(issued.token)


@pytest.mark.parametrize("role", ["operator", "labeler", "supervisor"])
def test_only_installers_and_admins_manage_device_keys(world: World, role: str) -> None:
    with pytest.raises(AccessDenied):
        world.services.device_keys.issue(world.principal(role), "x")


def test_seed_api_key_has_a_device_keys_rights_only(world: World) -> None:
    principal = world.services.device_keys.authenticate(API_KEY)
    assert principal.kind is PrincipalKind.API_KEY
    assert principal.permissions == DEVICE_RIGHTS
    assert principal.cameras == frozenset()
    with pytest.raises(AccessDenied):
        from engine.client.protocol import EventQuery

        world.services.events.list(principal, EventQuery())
    with pytest.raises(InvalidCredentials):
        world.services.device_keys.authenticate(API_KEY + "x")


def test_an_admin_sets_a_users_cameras_and_a_live_token_follows(world: World) -> None:
    from engine.services import NotFound

    users = world.services.users
    token = users.login("operator", PASSWORD).access_token
    assert users.authenticate(token).cameras == frozenset({"cam-a"})
    changed = users.set_cameras(world.principal("admin"), "operator", ["cam-b", " cam-c ", ""])
    assert changed.cameras == ["cam-b", "cam-c"]
    assert users.authenticate(token).cameras == frozenset({"cam-b", "cam-c"})  # same token
    users.set_cameras(world.principal("admin"), "operator", ["*"])
    assert users.authenticate(token).cameras is None  # every camera
    with pytest.raises(AccessDenied):
        users.set_cameras(world.principal("supervisor"), "operator", ["cam-z"])
    with pytest.raises(NotFound):
        users.set_cameras(world.principal("admin"), "nobody", ["cam-a"])
    rows = world.services.audit_log.entries(action="user.cameras")
    assert sorted((r.actor, r.object, r.outcome) for r in rows) == [
        ("user:admin", "user:operator", "ok"),
        ("user:admin", "user:operator", "ok"),
        ("user:supervisor", "user:operator", "denied"),
    ]
