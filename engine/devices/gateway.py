"""DeviceGateway: subscribes to the bus-stop topics and hands every message to a ReadingWriter.

The MQTT callback only checks the size and enqueues, so the client's network thread never waits
on the database: Mosquitto silently drops QoS 1 messages beyond `max_queued_messages` (default
1000) for a subscriber that lags. The session is persistent (fixed client id, clean_session
false), so messages published while the gateway restarts are queued by the broker for it."""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices.intake import MAX_PAYLOAD_BYTES
from engine.devices.payloads import DeviceCommand, DeviceConfigPatch
from engine.devices.writer import ActivityListener, IntakeStats, ReadingWriter
from engine.storage.database import Database
from engine.storage.repos.devices import DeviceRepository
from engine.storage.repos.readings import ReadingRepository

log = logging.getLogger(__name__)


def parse_broker(url: str) -> tuple[str, int]:
    """'mqtt://host:port', 'host:port' or 'host' -> (host, port)."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise ValueError(f"not an MQTT broker URL: {url!r}")
    return parsed.hostname, parsed.port or 1883


class GatewayError(RuntimeError):
    """The gateway could not connect or subscribe."""


class DeviceGateway:
    """Stores every device message under `root` into `db`. One instance per (broker, root);
    `client_id` names the persistent session (defaults to sentinel-gateway-<root>)."""

    def __init__(
        self,
        db: Database,
        broker: str = "mqtt://127.0.0.1:1883",
        root: str = "smartstop",
        *,
        client_id: str | None = None,
        batch_size: int = 1000,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.root = root
        self._host, self._port = parse_broker(broker)
        self.readings = ReadingRepository(db)
        self.devices = DeviceRepository(db)
        self.writer = ReadingWriter(self.readings, self.devices, root, batch_size=batch_size)
        self.client_id = client_id or f"sentinel-gateway-{root.replace('/', '-')}"
        self.connects = 0
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        if username:  # a broker with device logins (engine.devices.broker_logins)
            self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._subscribed = threading.Event()
        self._connect_error: str | None = None

    def subscriptions(self) -> list[tuple[str, int]]:
        # QoS 1 everywhere: the delivered QoS is the lower of publish and subscription, so
        # QoS 0 sensors stay QoS 0 and a device that publishes at 1 gets at-least-once.
        r = self.root
        return [
            (f"{r}/sensors/+/+", 1),
            (f"{r}/camera/+", 1),
            (f"{r}/status/+", 1),
            (f"{r}/ack/+", 1),
        ]

    def start(self, timeout: float = 10.0) -> None:
        """Connect, subscribe and start storing; raises GatewayError when that fails in time."""
        self.writer.start()
        try:
            self._client.connect(self._host, self._port, keepalive=30)
        except OSError as exc:
            self.writer.stop()
            raise GatewayError(
                f"cannot reach the broker at {self._host}:{self._port}: {exc}"
            ) from exc
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise GatewayError(self._connect_error or "no SUBACK from the broker")

    def stop(self, drain_timeout: float = 10.0, *, forget_session: bool = False) -> None:
        """Disconnect and store what was already received. The broker keeps the session (and
        queues for it) unless `forget_session`: runs on a throw-away root leave nothing behind."""
        self._client.disconnect()
        self._client.loop_stop()
        self.writer.wait_idle(drain_timeout)
        self.writer.stop()
        if forget_session:
            # A clean-session connect with the same client id discards the stored session.
            cleaner = mqtt.Client(
                CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                clean_session=True,
                protocol=mqtt.MQTTv311,
            )
            try:
                cleaner.connect(self._host, self._port, keepalive=10)
                cleaner.disconnect()
            except OSError:
                log.warning("could not discard the gateway's broker session")

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def stats(self) -> IntakeStats:
        return self.writer.stats()

    def wait_idle(self, timeout: float) -> bool:
        return self.writer.wait_idle(timeout)

    def add_listener(self, listener: ActivityListener) -> None:
        """`listener(activity)` after each stored batch, on the writer's thread."""
        self.writer.add_listener(listener)

    def remove_listener(self, listener: ActivityListener) -> None:
        self.writer.remove_listener(listener)

    def send_command(self, device_id: str, command: DeviceCommand) -> None:
        """Publish a command (QoS 1); its ack arrives on {root}/ack/{device_id} and is stored."""
        payload = command.model_dump_json(exclude_none=True)
        self._client.publish(f"{self.root}/command/{device_id}", payload, qos=1).wait_for_publish(
            10
        )

    def push_config(self, device_id: str, patch: DeviceConfigPatch) -> None:
        """Set the retained config a device applies now and at every (re)connect."""
        payload = json.dumps(patch.model_dump(exclude_none=True))
        info = self._client.publish(f"{self.root}/config/{device_id}", payload, qos=1, retain=True)
        info.wait_for_publish(10)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self._connect_error = f"broker refused the gateway: {reason_code}"
            log.error(self._connect_error)
            return
        self.connects += 1  # more than one: the broker dropped it (or another took its id)
        client.subscribe(self.subscriptions())
        log.info("gateway connected", extra={"root": self.root, "connects": self.connects})

    def _on_subscribe(self, _client, _userdata, _mid, reason_codes, _properties) -> None:
        if any(code.is_failure for code in reason_codes):
            self._connect_error = f"subscription refused: {reason_codes}"
            return
        self._subscribed.set()

    def _on_message(self, _client, _userdata, message: mqtt.MQTTMessage) -> None:
        # Framing only: size here, everything else in the writer thread.
        if len(message.payload) > MAX_PAYLOAD_BYTES:
            self.writer.reject("oversized")
            return
        self.writer.intake.put((message.topic, message.payload, time.time()))
