"""The serving engine's device gateway: a DeviceGateway on MQTT_BROKER under MQTT_TOPIC_ROOT,
logged in with a service login of its own when the engine manages the broker's device logins
(MQTT_ADMIN_USER / MQTT_ADMIN_PASSWORD), anonymously otherwise."""

from __future__ import annotations

from engine.devices.broker_logins import BrokerLogins
from engine.devices.gateway import DeviceGateway
from engine.storage.database import Database


def gateway_login(root: str) -> str:
    """The gateway's MQTT username. Device ids may not hold a '.', so no device can register
    (and so take over or reset) this login."""
    return f"sentinel.gateway.{root}"


def start_engine_gateway(
    db: Database, broker: str, root: str, logins: BrokerLogins | None
) -> DeviceGateway:
    """Connect, subscribe and start storing into `db` (persistent session: what devices send
    while the engine restarts waits at the broker). With `logins`, the gateway's login is made
    or given a new password first. Raises GatewayError or BrokerLoginError, saying why."""
    username = password = None
    if logins is not None:
        username = gateway_login(root)
        password = logins.add_service(username)
    gateway = DeviceGateway(db, broker, root, username=username, password=password)
    gateway.start()
    return gateway
