"""`sentinel-engine export-events`: the events of a time range as JSON lines, with their
snapshots, as the role named with --role may see them (engine.services.export).

Plate text is masked and plate snapshots are blurred unless `--show-plates` is given by a role
with plates.view; the export and every plate shown in clear are audited.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from engine.cli.plate_access import (
    add_plate_arguments,
    cli_principal,
    require_plates_view,
    with_cameras,
)
from engine.config.settings import Settings
from engine.domain import EventKind
from engine.security.audit import AuditLog
from engine.security.permissions import load_roles
from engine.security.policy import FieldPolicy, load_rules
from engine.services.errors import AccessDenied
from engine.services.events import EventService
from engine.services.export import EventExportService
from engine.services.plates import PlateService
from engine.storage.blob_factory import open_blob_store
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository
from engine.storage.repos.events import EventRepository
from engine.storage.repos.plates import PlateRepository

EVENTS_FILE = "events.jsonl"
SNAPSHOTS_DIR = "snapshots"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export-events",
        help="write a time range's events and snapshots to a folder",
        description="Writes OUT/events.jsonl (one event per line, newest first, with its "
        "snapshot's file name) and OUT/snapshots/<event id>.jpg from DATABASE_URL and "
        "BLOBS_DIR (or BLOBS_URL). Needs a role with export and events.read, and POLICY_HMAC_KEY.",
    )
    parser.add_argument("--since", required=True, type=utc_time, help="start (ISO 8601, kept)")
    parser.add_argument("--until", type=utc_time, help="end (ISO 8601, not kept; default now)")
    parser.add_argument("--camera", help="only this camera id")
    parser.add_argument("--kind", choices=[k.value for k in EventKind], help="only this kind")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    add_plate_arguments(parser, role_required=True)
    parser.set_defaults(run=run)


def utc_time(text: str) -> datetime:
    """ISO 8601 ('2026-03-01', '2026-03-01T12:00Z', with an offset); naive means UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if settings.policy_hmac_key is None:
        raise ValueError("POLICY_HMAC_KEY is not set (the field policy redacts plate text)")
    until = args.until or datetime.now(timezone.utc)
    if until <= args.since:
        raise ValueError("--until must be later than --since")
    events_path = args.out / EVENTS_FILE
    if events_path.exists():
        raise ValueError(f"{events_path} exists: choose an empty folder")
    principal = cli_principal(load_roles(settings.roles_file), args.role, args.show_plates)
    principal = with_cameras(principal, [args.camera] if args.camera else [])
    db = Database.open(settings.resolved_database_url())
    try:
        audit = AuditLog(AuditRepository(db))
        if args.show_plates:
            require_plates_view(principal, audit, "event.export", "events")
        exporter = _export_service(db, settings, audit)
        kind = EventKind(args.kind) if args.kind else None
        args.out.mkdir(parents=True, exist_ok=True)
        written = pictures = 0
        try:
            with open(events_path, "x", encoding="utf-8") as lines:
                for item in exporter.export(principal, args.since, until, args.camera, kind):
                    record = item.event.model_dump(mode="json")
                    record["snapshot_file"] = None
                    if item.snapshot is not None:
                        name = f"{SNAPSHOTS_DIR}/{item.event.id}.jpg"
                        (args.out / SNAPSHOTS_DIR).mkdir(exist_ok=True)
                        (args.out / name).write_bytes(item.snapshot)
                        record["snapshot_file"] = name
                        pictures += 1
                    lines.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
        except AccessDenied:
            events_path.unlink(missing_ok=True)
            raise ValueError(f"role {args.role!r} may not export events") from None
    finally:
        db.close()
    shown = "in clear (audited)" if args.show_plates else "masked, snapshots blurred"
    print(f"exported {written} events and {pictures} snapshots to {args.out}; plates {shown}")
    return 0


def _export_service(db: Database, settings: Settings, audit: AuditLog) -> EventExportService:
    key = settings.policy_hmac_key.get_secret_value().encode() if settings.policy_hmac_key else None
    policy = FieldPolicy(load_rules(settings.policy_file), key)
    blobs = open_blob_store(settings, check=False)
    events = EventRepository(db)
    plates = PlateService(PlateRepository(db), events, blobs, audit, policy)
    return EventExportService(EventService(events, audit, policy, plates=plates), plates, audit)
