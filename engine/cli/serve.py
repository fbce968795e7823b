"""`sentinel-engine serve`: the engine and its HTTP API in one process (uvicorn)."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.config.settings import Settings

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the engine with its REST API",
        description="Config comes from the environment or .env: DATABASE_URL, API_KEY, "
        "JWT_SECRET, POLICY_FILE, POLICY_HMAC_KEY, ROLES_FILE, BLOBS_DIR, SENTINEL_DATA_DIR. "
        "With PostgreSQL, engines sharing the database split the saved cameras by leases "
        "(CLUSTER__ENABLED=false turns that off; true turns it on for SQLite too). "
        "Devices: with MQTT_BROKER the engine's gateway stores what devices publish under "
        "MQTT_TOPIC_ROOT and carries commands and configs; with MQTT_ADMIN_USER and "
        "MQTT_ADMIN_PASSWORD (Mosquitto's dynamic-security admin) registering a device makes "
        "its MQTT login and revoking deletes it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    parser.add_argument(
        "--camera",
        action="append",
        default=[],
        metavar="SOURCE",
        help="video file or rtsp:// URL to analyse (repeatable; files loop)",
    )
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate (with --tls-key)")
    parser.add_argument("--tls-key", type=Path, help="PEM private key (with --tls-cert)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from engine.assembly import open_engine
    from engine.cluster import ClusterCoordinator, cluster_enabled
    from engine.devices.bus_bridge import BusBridge
    from engine.devices.engine_gateway import engine_identity, start_engine_gateway
    from engine.devices.gateway import DeviceGateway
    from engine.security.log_redaction import install_log_redaction
    from engine.server import create_app
    from engine.services import Services, build_services
    from engine.services.container import broker_logins
    from engine.storage.repos.leases import LeaseRepository

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
    settings = Settings()
    if settings.jwt_secret is None:
        raise ValueError("JWT_SECRET is not set (export it or put it in .env)")
    if settings.policy_hmac_key is None:
        raise ValueError("POLICY_HMAC_KEY is not set (the field policy redacts plate text)")
    parts = open_engine(settings)
    cluster: ClusterCoordinator | None = None
    bridge: BusBridge | None = None
    gateway: DeviceGateway | None = None
    services: Services | None = None
    try:
        logins = broker_logins(settings)
        if settings.mqtt_broker:
            # The device back end: readings stored, commands and configs carried, updates
            # pushed on /ws/devices. Without it device commands answer 503.
            root = settings.mqtt_topic_root
            identity = engine_identity(settings.data_dir)
            gateway = start_engine_gateway(
                parts.database, settings.mqtt_broker, root, logins, identity
            )
            log.info("device gateway on %s under %s/", settings.mqtt_broker, root)
        services = build_services(
            parts.database,
            settings,
            core=parts.core,
            blobs=parts.core.blobs,
            gateway=gateway,
            logins=logins,
        )
        if cluster_enabled(settings, parts.database.dialect):
            # Engines sharing this database split its cameras (engine.cluster).
            leases = LeaseRepository(parts.database)
            cluster = ClusterCoordinator(leases, parts.core, settings.cluster, site=settings.site)
            cluster.start()
        else:
            parts.core.start_saved_cameras()
        add_sources(parts.core, args.camera)
        if settings.mqtt_broker and settings.mqtt_topic:
            bridge = BusBridge(services.ingest, settings.mqtt_broker, settings.mqtt_topic).start()
        app = create_app(services, settings, core=parts.core, inference=parts.inference)
        config = uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
            ssl_keyfile=str(args.tls_key) if args.tls_key else None,
            log_level="info",
        )
        # uvicorn made its own handlers just now; its access log names plate search paths.
        install_log_redaction()
        # Everything built so far lives as long as the server: out of the collector's sight,
        # full collections stop walking it (they took ~100 ms every ~150 ingest requests).
        gc.freeze()
        with sigterm_exits():
            uvicorn.Server(config).run()
    finally:
        if bridge is not None:
            bridge.stop()
        if services is not None:
            services.device_stream.close()
        if gateway is not None:
            gateway.stop()  # stores what it already received, then disconnects
        if cluster is not None:
            cluster.close()
        parts.close()
    return 0


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """SIGTERM raises SystemExit(0) in the main thread. uvicorn shuts down gracefully on it and
    then raises it again with the handler it found: the default one would kill the process
    there, before the gateway, the cameras and the event sink are stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_cleanly(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, exit_cleanly)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_sources(core: Any, sources: list[str]) -> None:
    """Add a camera per `--camera` SOURCE not saved by an earlier run (files loop)."""
    from engine.domain import Camera

    known = {camera.source for camera in core.cameras()}
    for source in sources:
        if source in known:
            continue  # saved by an earlier run: already started
        is_file = "://" not in source
        if is_file and not Path(source).is_file():
            raise FileNotFoundError(f"no such video file: {source}")
        name = Path(source).stem if is_file else source.rsplit("/", 1)[-1] or source
        core.add_camera(Camera(name=name, source=source, loop=is_file))
