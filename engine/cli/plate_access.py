"""Plate text on the command line: masked unless `--show-plates` is given by a role that holds
plates.view, and then audited in DATABASE_URL's audit log before anything is printed.

The command line has no login: whoever runs it holds the database URL. What it prints is
still a channel, so it follows the same rule as REST, WebSocket and WebRTC: the role named
with `--role` decides, `--show-plates` asks for the clear text, and the audit row names the
operating-system user who asked.
"""

from __future__ import annotations

import argparse
import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace

from engine.config.settings import Settings
from engine.security.audit import AuditLog, Outcome
from engine.security.permissions import Permission, RoleMatrix, load_roles
from engine.security.policy import mask
from engine.security.principal import Principal, PrincipalKind
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository


def add_plate_arguments(parser: argparse.ArgumentParser, *, role_required: bool) -> None:
    parser.add_argument(
        "--role",
        required=role_required,
        default=None if role_required else "admin",
        help="the role whose rights apply, from the roles file"
        + ("" if role_required else " (default admin: whoever runs the engine's own CLI)"),
    )
    parser.add_argument(
        "--show-plates",
        action="store_true",
        help="plate text in clear instead of masked (needs plates.view; audited)",
    )


def cli_principal(roles: RoleMatrix, role_name: str, show_plates: bool) -> Principal:
    """The caller as the services see it: the named role's rights, plates.view only when the
    clear text is asked for. Every camera for an all-cameras role, none for another (commands
    that take --camera widen it to those). Raises ValueError for a role the file lacks."""
    role = roles.get(role_name)
    if role is None:
        raise ValueError(f"unknown role {role_name!r}; known: {', '.join(roles.names)}")
    permissions = role.permissions
    if not show_plates:
        permissions = permissions - {Permission.PLATES_VIEW}
    return Principal(
        kind=PrincipalKind.USER,
        name=f"cli:{_os_user()}",
        role=role.name,
        permissions=permissions,
        cameras=None if role.all_cameras else frozenset(),
        remote=f"cli@{socket.gethostname()}",
    )


def require_plates_view(principal: Principal, audit: AuditLog, action: str, target: str) -> None:
    """A denial row and a one-line error when `--show-plates` comes from a role without
    plates.view (the principal then holds none: cli_principal only keeps what the role has)."""
    if not principal.has(Permission.PLATES_VIEW):
        audit.record(principal, action, target, Outcome.DENIED)
        raise ValueError(f"role {principal.role!r} may not see plate text (no plates.view)")


@dataclass(frozen=True)
class PlateText:
    """How one command run shows plate text: `shown(text)` is the text or its mask."""

    clear: bool

    def shown(self, text: str | None) -> str | None:
        if text is None or self.clear:
            return text
        return mask(text)


def open_plate_text(
    args: argparse.Namespace,
    action: str,
    target: str,
    settings_factory: Callable[[], Settings] = Settings,
) -> PlateText:
    """For commands that read plates themselves (no stored events): masked by default; with
    `--show-plates`, one audit row (`action` on `target`) written first, or a refusal."""
    if not args.show_plates:
        return PlateText(clear=False)
    settings = settings_factory()
    principal = cli_principal(load_roles(settings.roles_file), args.role, show_plates=True)
    db = Database.open(settings.resolved_database_url())
    try:
        audit = AuditLog(AuditRepository(db))
        require_plates_view(principal, audit, action, target)
        audit.record(principal, action, target)
    finally:
        db.close()
    return PlateText(clear=True)


def with_cameras(principal: Principal, cameras: list[str]) -> Principal:
    """A principal limited to some cameras, widened to the ones named on the command line."""
    if principal.cameras is None or not cameras:
        return principal
    return replace(principal, cameras=principal.cameras | frozenset(cameras))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container): still say who it was
        return "unknown"
