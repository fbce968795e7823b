"""Services: the access-controlled service layer wired over one Database and the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from engine.config.settings import Settings
from engine.devices.broker_logins import BrokerLogins
from engine.devices.gateway import DeviceGateway
from engine.live_feed import LiveFeed
from engine.security.audit import AuditLog
from engine.security.permissions import RoleMatrix, load_roles
from engine.security.policy import FieldPolicy, load_rules
from engine.security.tokens import JwtCodec, resolve_jwt_secret
from engine.services.analytics import AnalyticsService
from engine.services.audit import AuditService
from engine.services.cameras import CameraService
from engine.services.device_commands import DeviceCommandService
from engine.services.device_keys import DeviceKeyService
from engine.services.device_stream import DeviceStreamService
from engine.services.events import EventService
from engine.services.fleet import FleetService
from engine.services.images import ImageService
from engine.services.ingest import IngestService
from engine.services.live import LiveService
from engine.services.plates import PlateService
from engine.services.stats import StatsService
from engine.services.users import UserService
from engine.services.video import VideoService
from engine.services.watchlist import WatchlistService
from engine.storage.blob_factory import open_blob_store
from engine.storage.blobs import BlobStorage
from engine.storage.database import Database
from engine.storage.repos.audit import AuditRepository
from engine.storage.repos.cameras import CameraRepository
from engine.storage.repos.device_keys import DeviceKeyRepository
from engine.storage.repos.devices import DeviceRepository
from engine.storage.repos.fleet import FleetRepository
from engine.storage.repos.images import ImageRepository
from engine.storage.repos.ingest import IngestRepository
from engine.storage.repos.plate_stats import PlateStatsRepository
from engine.storage.repos.plates import PlateRepository
from engine.storage.repos.readings import ReadingRepository
from engine.storage.repos.users import UserRepository
from engine.vision import DetectorConfig, create_detector
from engine.vision.detector import Detector


@dataclass
class Services:
    """Everything a channel (HTTP server, in-process client, CLI) calls; each method takes the
    calling Principal and enforces its rights. `ping` says whether the database answers."""

    users: UserService
    device_keys: DeviceKeyService
    events: EventService
    audit: AuditService
    audit_log: AuditLog
    roles: RoleMatrix
    policy: FieldPolicy
    ping: Callable[[], bool]
    ingest: IngestService
    cameras: CameraService
    analytics: AnalyticsService
    plates: PlateService
    watchlist: WatchlistService
    stats: StatsService
    live: LiveService
    fleet: FleetService
    images: ImageService
    video: VideoService
    commands: DeviceCommandService  # no gateway: every command answers Unavailable
    device_stream: DeviceStreamService  # no gateway: GET /ws/devices answers Unavailable


def broker_logins(settings: Settings) -> BrokerLogins | None:
    """Device logins on MQTT_BROKER when the engine has its admin login, else None."""
    if not (settings.mqtt_broker and settings.mqtt_admin_user and settings.mqtt_admin_password):
        return None
    return BrokerLogins(
        settings.mqtt_broker,
        settings.mqtt_admin_user,
        settings.mqtt_admin_password.get_secret_value(),
        root=settings.mqtt_topic_root,
    )


def build_services(
    db: Database,
    settings: Settings,
    *,
    dev: bool = False,
    core: Any | None = None,
    blobs: BlobStorage | None = None,
    detector: Callable[[], Detector] | None = None,
    gateway: DeviceGateway | None = None,
    logins: BrokerLogins | None = None,
) -> Services:
    """Wire the services over `db`. Without JWT_SECRET (or POLICY_HMAC_KEY while the policy
    redacts) this raises ValueError, unless `dev` makes random per-process secrets. `core` (a
    running EngineCore) makes camera changes start and stop cameras; `blobs` defaults to
    the settings' store (BLOBS_DIR, or BLOBS_URL's S3); `detector` (for POST /api/inference,
    built on first use) defaults to DETECTOR__*'s; `gateway` (the device broker's) carries
    device commands and config pushes and feeds the device stream; `logins` (default: from the
    MQTT_ADMIN_* settings) makes and deletes devices' MQTT logins."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    hmac_key = settings.policy_hmac_key.get_secret_value() if settings.policy_hmac_key else None
    if dev and not hmac_key:
        hmac_key = resolve_jwt_secret(None, dev=True)  # same randomness, different purpose
    roles = load_roles(settings.roles_file)
    policy = FieldPolicy(load_rules(settings.policy_file), hmac_key.encode() if hmac_key else None)
    tokens = JwtCodec(resolve_jwt_secret(secret, dev=dev), settings.jwt_expiry_s)
    audit_repo = AuditRepository(db)
    audit = AuditLog(audit_repo)
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    blobs = blobs or open_blob_store(settings)
    events = IngestRepository(db, snapshot_size=blobs.size)
    ingest = IngestService(events, blobs, audit, policy)
    fleet = FleetRepository(db)

    def settings_detector() -> Detector:
        found = settings.detector
        config = DetectorConfig(type=found.type, model=found.model, threads=found.threads)
        return create_detector(config)

    def ping() -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any driver error means "not reachable" to a health check
            return False

    plate_repo = PlateRepository(db)
    plates = PlateService(plate_repo, events, blobs, audit, policy)
    event_service = EventService(events, audit, policy, plates=plates)
    feed = LiveFeed(settings.server.live_queue)
    if core is not None:
        feed.attach(core.subscribe)
    device_stream = DeviceStreamService(DeviceRepository(db), audit, settings.server.live_queue)
    if gateway is not None:
        device_stream.attach(gateway)
    return Services(
        users=UserService(UserRepository(db), audit, roles, tokens),
        device_keys=DeviceKeyService(DeviceKeyRepository(db), audit, roles, api_key),
        events=event_service,
        audit=AuditService(audit_repo, audit),
        audit_log=audit,
        roles=roles,
        policy=policy,
        ping=ping,
        ingest=ingest,
        cameras=CameraService(CameraRepository(db), audit, core),
        analytics=AnalyticsService(events, audit),
        plates=plates,
        watchlist=WatchlistService(plate_repo, audit, policy),
        stats=StatsService(PlateStatsRepository(db), audit),
        live=LiveService(feed, event_service, audit),
        fleet=FleetService(
            fleet,
            DeviceRepository(db),
            ReadingRepository(db),
            audit,
            keys=DeviceKeyRepository(db),
            logins=logins or broker_logins(settings),
            on_change=device_stream.changed,
        ),
        images=ImageService(
            ImageRepository(db), fleet, ingest, blobs, audit, detector or settings_detector
        ),
        video=VideoService(CameraRepository(db), audit, policy, core, settings.server.ice_servers),
        commands=DeviceCommandService(
            gateway, fleet, ReadingRepository(db), audit, on_change=device_stream.changed
        ),
        device_stream=device_stream,
    )
