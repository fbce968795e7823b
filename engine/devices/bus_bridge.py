"""BusBridge: SmartPole's optional MQTT ingestion (seed 001: MQTT_BROKER / MQTT_TOPIC, e.g.
`smartpole/events`). Every message on the topic is a bus-worker envelope, `{"topic": ...,
"payload": event or [events]}`, and goes through the same IngestService as
`POST /ingest/message`: validation, the field policy, insert-or-ignore by event id.

The MQTT callback only enqueues; a worker thread ingests, so a slow database never stalls the
client's network loop. A message the intake refuses is counted and logged (never its content),
and the bridge goes on with the next one."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices.gateway import GatewayError, parse_broker
from engine.security.permissions import Permission
from engine.security.principal import Principal, PrincipalKind
from engine.services.errors import ServiceError
from engine.services.ingest import IngestService

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 1 << 20  # an envelope of up to 1,000 events (the intake's batch limit)


@dataclass
class BridgeStats:
    received: int = 0
    stored: int = 0  # events newly stored
    rejected: int = 0  # messages the intake refused (malformed, oversized, denied)


def bus_principal(broker: str) -> Principal:
    """The bridge writes events and nothing else, audited as device:bus-bridge."""
    return Principal(
        kind=PrincipalKind.DEVICE,
        name="bus-bridge",
        role="device",
        permissions=frozenset({Permission.INGEST_WRITE}),
        cameras=None,
        remote=broker,
    )


class BusBridge:
    def __init__(
        self,
        ingest: IngestService,
        broker: str,
        topic: str,
        *,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self._ingest = ingest
        self._host, self._port = parse_broker(broker)
        self.topic = topic
        self._principal = bus_principal(f"{self._host}:{self._port}")
        self.stats = BridgeStats()
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"sentinel-bus-{topic.replace('/', '-')}",
            protocol=mqtt.MQTTv311,
        )
        if username:
            self._client.username_pw_set(username, password)
        self._client.on_connect = lambda c, *_: c.subscribe(self.topic, qos=1)
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.on_message = self._on_message
        self._worker = threading.Thread(target=self._run, name="bus-bridge", daemon=True)

    def start(self, timeout: float = 10.0) -> BusBridge:
        self._worker.start()
        try:
            self._client.connect(self._host, self._port, keepalive=30)
        except OSError as exc:
            self.stop()
            raise GatewayError(f"cannot reach the broker at {self._host}:{self._port}") from exc
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise GatewayError(f"no subscription to {self.topic} on the broker")
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._queue.put(None)
        if self._worker.is_alive():
            self._worker.join(10)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every received message has been ingested (for tests and shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _on_message(self, _client, _userdata, message: mqtt.MQTTMessage) -> None:
        with self._idle:
            self._pending += 1
            self.stats.received += 1
        self._queue.put(bytes(message.payload))

    def _run(self) -> None:
        while (body := self._queue.get()) is not None:
            try:
                self._ingest_one(body)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _ingest_one(self, body: bytes) -> None:
        if len(body) > MAX_MESSAGE_BYTES:
            self.stats.rejected += 1
            log.warning("bus message refused: oversized", extra={"bytes": len(body)})
            return
        try:
            result = self._ingest.ingest_message(self._principal, body)
        except ServiceError as exc:
            self.stats.rejected += 1
            log.warning("bus message refused", extra={"reason": str(exc)})
            return
        except Exception:  # the database is away: the broker keeps nothing; say so loudly
            self.stats.rejected += 1
            log.exception("bus message not stored")
            return
        self.stats.stored += result.stored
