"""`sentinel-engine user add|list|disable`: manage console users in DATABASE_URL's database."""

from __future__ import annotations

import argparse
import getpass
import sys

from engine.config.settings import Settings
from engine.security.audit import AuditLog
from engine.security.permissions import Permission, Role, load_roles
from engine.security.tokens import JwtCodec
from engine.services.errors import Conflict, InvalidInput, NotFound
from engine.services.schemas import UserCreate
from engine.services.users import UserService, system_principal
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository
from engine.storage.repos.users import UserRepository


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("user", help="manage console users")
    actions = parser.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="create a user (password prompted)")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="a role of the roles file, e.g. operator")
    add.add_argument(
        "--cameras", default="", help="comma-separated camera ids, or '*' for every camera"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (scripts)"
    )
    add.set_defaults(run=run_add)
    listing = actions.add_parser("list", help="list users")
    listing.set_defaults(run=run_list)
    disable = actions.add_parser("disable", help="disable a user (their tokens stop working)")
    disable.add_argument("name")
    disable.set_defaults(run=run_disable)
    assign = actions.add_parser(
        "cameras", help="replace the cameras a user may see (from their next request on)"
    )
    assign.add_argument("name")
    assign.add_argument("cameras", help="comma-separated camera ids, '*' for all, '' for none")
    assign.set_defaults(run=run_cameras)


# what a user sees only on the cameras of their row (unless their role has all_cameras)
CAMERA_CONTENT = frozenset(
    {Permission.VIDEO_VIEW, Permission.EVENTS_READ, Permission.ALERTS_READ, Permission.TRIAGE_WORK}
)


def _service(settings: Settings) -> tuple[UserService, Database]:
    db = Database.open(settings.resolved_database_url())
    # No token is issued here, so a throw-away signing key is enough.
    tokens = JwtCodec("cli-never-signs-tokens-" + "x" * 16, settings.jwt_expiry_s)
    service = UserService(
        UserRepository(db), AuditLog(AuditRepository(db)), load_roles(settings.roles_file), tokens
    )
    return service, db


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    cameras = [c.strip() for c in args.cameras.split(",") if c.strip()]
    try:
        new = UserCreate(name=args.name, password=password, role=args.role, cameras=cameras)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ValueError(f"invalid user: {_first_error(exc)}") from None
    settings = Settings()
    service, db = _service(settings)
    try:
        user = service.create(system_principal(), new)
    except (InvalidInput, Conflict) as exc:
        raise ValueError(f"{args.name}: {exc}") from None
    finally:
        db.close()
    print(f"created user {user.name} ({user.role})")
    role = load_roles(settings.roles_file).get(user.role)
    if not user.cameras and role is not None and not role.all_cameras and _sees_cameras(role):
        # an operator or labeler with no camera row sees an empty wall: say so now
        print(
            f"note: {user.name} sees no camera yet: a {user.role} sees only the cameras on its "
            f"row; give them with: sentinel-engine user cameras {user.name} ID,ID (or '*')"
        )
    return 0


def _sees_cameras(role: Role) -> bool:
    return bool(role.permissions & CAMERA_CONTENT)


def run_list(args: argparse.Namespace) -> int:
    service, db = _service(Settings())
    try:
        for user in service.list(system_principal()):
            cameras = ",".join(user.cameras) or "-"
            state = "disabled" if user.disabled else "active"
            print(f"{user.name}\t{user.role}\t{cameras}\t{state}")
    finally:
        db.close()
    return 0


def run_disable(args: argparse.Namespace) -> int:
    service, db = _service(Settings())
    try:
        service.disable(system_principal(), args.name)
    except NotFound:
        raise ValueError(f"no user {args.name!r}") from None
    finally:
        db.close()
    print(f"disabled user {args.name}")
    return 0


def run_cameras(args: argparse.Namespace) -> int:
    cameras = [c.strip() for c in args.cameras.split(",") if c.strip()]
    service, db = _service(Settings())
    try:
        user = service.set_cameras(system_principal(), args.name, cameras)
    except NotFound:
        raise ValueError(f"no user {args.name!r}") from None
    except InvalidInput as exc:
        raise ValueError(f"{args.name}: {exc}") from None
    finally:
        db.close()
    print(f"{user.name} ({user.role}) sees cameras: {','.join(user.cameras) or 'none'}")
    return 0


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
    return str(exc)
