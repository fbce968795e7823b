"""The serving engine's device gateway: a DeviceGateway on MQTT_BROKER under MQTT_TOPIC_ROOT,
logged in with a service login of its own when the engine manages the broker's device logins
(MQTT_ADMIN_USER / MQTT_ADMIN_PASSWORD), anonymously otherwise.

Several engines may share one broker and database (a cluster). Each has its own broker session
and login, named after the engine (`engine_identity`: its host and data folder, the same at
every restart): with one shared name the broker would drop one engine's gateway each time the
other connects, and each start would change the password the other logs in with. Every engine
then receives every device message; the readings table ignores the copies (insert-or-ignore on
the device's sequence numbers), and each engine's viewers get their live updates."""

from __future__ import annotations

import hashlib
import re
import socket
from pathlib import Path

from engine.devices.broker_logins import BrokerLogins
from engine.devices.gateway import DeviceGateway
from engine.storage.database import Database


def engine_identity(data_dir: Path, host: str | None = None) -> str:
    """`<host>-<6 hex of the data folder>`: one per engine installation, stable across its
    restarts (so its persistent broker session is found again), distinct for two engines on
    one host."""
    folder = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:6]
    name = re.sub(r"[^A-Za-z0-9-]", "-", host or socket.gethostname())[:40] or "engine"
    return f"{name}-{folder}"


def gateway_login(root: str, identity: str) -> str:
    """The engine's gateway MQTT username. Device ids may not hold a '.', so no device can
    register (and so take over or reset) this login."""
    return f"sentinel.gateway.{root}.{identity}"


def start_engine_gateway(
    db: Database, broker: str, root: str, logins: BrokerLogins | None, identity: str
) -> DeviceGateway:
    """Connect, subscribe and start storing into `db` (persistent session `identity`'s: what
    devices send while the engine restarts waits at the broker). With `logins`, the engine's
    gateway login is made or given a new password first. Raises GatewayError or
    BrokerLoginError, saying why."""
    username = password = None
    if logins is not None:
        username = gateway_login(root, identity)
        password = logins.add_service(username)
    client_id = f"sentinel-gateway-{root.replace('/', '-')}-{identity}"
    gateway = DeviceGateway(
        db, broker, root, client_id=client_id, username=username, password=password
    )
    gateway.start()
    return gateway
