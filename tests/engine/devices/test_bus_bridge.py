"""SmartPole's MQTT ingestion (MQTT_TOPIC): envelopes published on the bus are stored through the
same intake as POST /ingest/message, with its policy; malformed messages are refused and counted
and the bridge goes on; a replayed message stores nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from engine.devices.bus_bridge import BusBridge
from tests.engine.devices.conftest import BROKER_HOST, BROKER_PORT, publish, wait_for
from tests.engine.services.helpers import CAM_A, ingest_event, make_world


def test_bus_envelopes_are_ingested_and_bad_ones_counted(tmp_path: Path, root: str) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    topic = f"{root}/events"
    bridge = BusBridge(
        world.services.ingest, f"mqtt://{BROKER_HOST}:{BROKER_PORT}", topic, client_id=root
    ).start()
    try:
        batch = {"topic": topic, "payload": [ingest_event(), ingest_event(track_id=7)]}
        publish(topic, json.dumps(batch))
        publish(topic, b"{not json")
        publish(topic, json.dumps({"topic": topic, "payload": {"camera_id": CAM_A}}))
        single = {"topic": topic, "payload": ingest_event(class_name="bus")}
        publish(topic, json.dumps(single))
        publish(topic, json.dumps(batch))  # the bus delivers it again
        wait_for(lambda: bridge.stats.received == 5, what="five bus messages")
        assert bridge.wait_idle(10)
    finally:
        bridge.stop()
    with world.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT class_name FROM events")).scalars().all()
    world.close()
    # make_world stores 4 events of its own; the bus added three, the repeat none
    assert sorted(rows).count("bus") == 1 and len(rows) == 4 + 3
    assert (bridge.stats.stored, bridge.stats.rejected) == (3, 2)
