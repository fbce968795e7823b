"""The payload parser: valid messages decode, anything else is a Rejected with a reason, never
another exception (hypothesis fuzzes it), and the gateway counts and survives bad messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.devices import DeviceGateway
from engine.devices.intake import MAX_PAYLOAD_BYTES, Rejected, _decode, _sensor_reading, decode
from tests.engine.devices.conftest import publish, wait_for

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
GOOD = {
    "device_id": "esp32_001",
    "location": "bus_stop_01",
    "boot": 1,
    "seq": 5,
    "timestamp": 1634567890.5,
    "value": 125.5,
    "unit": "cm",
}
TOPIC = "r/sensors/ultrasonic/esp32_001"


def with_(**changes) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_a_good_reading_decodes_to_its_row() -> None:
    decoded = decode("r", TOPIC, with_(), NOW)
    assert decoded.reading is not None
    assert decoded.reading["value"] == 125.5 and decoded.reading["kind"] == "ultrasonic"
    assert decoded.reading["ts"] == datetime.fromtimestamp(1634567890.5, timezone.utc)
    assert decode("r", TOPIC, with_(timestamp=None), NOW).reading["ts"] == NOW


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (TOPIC, b"{not json", "json"),
        (TOPIC, b"\xff\xfe", "json"),
        (TOPIC, b"[1, 2]", "json"),
        (TOPIC, with_(seq="5"), "schema"),
        (TOPIC, with_(seq=True), "schema"),
        (TOPIC, with_(seq=0), "schema"),
        (TOPIC, with_(seq=2**60), "schema"),
        (TOPIC, with_(value="125.5"), "schema"),
        (TOPIC, with_(value=None), "schema"),
        (
            TOPIC,
            b'{"device_id":"esp32_001","location":"x","boot":1,"seq":1,"timestamp":null,'
            b'"value":NaN,"unit":"cm"}',
            "schema",
        ),
        (TOPIC, with_(unit="C"), "schema"),
        (TOPIC, with_(extra_field=1), "schema"),
        (TOPIC, with_(device_id="other"), "device_mismatch"),
        (TOPIC, with_(device_id="a/b"), "schema"),
        (TOPIC, with_(location="x" * 65), "schema"),
        (TOPIC, b" " * (MAX_PAYLOAD_BYTES + 1), "oversized"),
        ("r/sensors/pressure/esp32_001", with_(), "topic"),
        ("other/sensors/ultrasonic/esp32_001", with_(), "topic"),
        ("r/status/esp32_001", with_(), "schema"),
    ],
)
def test_bad_messages_are_rejected_with_their_reason(topic: str, payload: bytes, reason: str):
    with pytest.raises(Rejected) as info:
        decode("r", topic, payload, NOW)
    assert info.value.reason == reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    topic=st.sampled_from(
        [TOPIC, "r/camera/esp32_001", "r/status/esp32_001", "r/ack/esp32_001", "r/x"]
    ),
    changes=st.dictionaries(st.sampled_from([*GOOD, "state", "ok", "junk"]), json_values),
)
def test_fuzzed_documents_decode_or_are_rejected(topic: str, changes: dict) -> None:
    payload = json.dumps({**GOOD, **changes}, allow_nan=True).encode()
    try:
        decoded = decode("r", topic, payload, NOW)
    except Rejected as exc:
        assert exc.reason in {"json", "schema", "device_mismatch", "topic", "oversized"}
        return
    row = decoded.reading
    assert row is None or (
        isinstance(row["seq"], int) and row["seq"] >= 1 and row["device_id"] == "esp32_001"
    )


@settings(max_examples=400, deadline=None)
@given(
    changes=st.dictionaries(
        st.sampled_from([*GOOD, "junk"]),
        json_values | st.integers(-(2**70), 2**70) | st.sampled_from(["C", "%", "esp32_002"]),
    ),
    dropped=st.sets(st.sampled_from(list(GOOD)), max_size=2),
)
def test_the_fast_sensor_check_accepts_only_what_the_model_accepts(changes, dropped) -> None:
    # The gateway checks sensor readings without building the pydantic model (its hot path):
    # whatever that check passes, the model must accept and decode to the very same row.
    document = {k: v for k, v in {**GOOD, **changes}.items() if k not in dropped}
    fast = _sensor_reading(document, "ultrasonic", "esp32_001", NOW)
    if fast is not None:
        assert fast == _decode(["sensors", "ultrasonic", "esp32_001"], document, NOW)


def test_the_fast_sensor_check_takes_what_the_firmware_sends() -> None:
    fast = _sensor_reading(json.loads(with_()), "ultrasonic", "esp32_001", NOW)
    assert fast is not None and fast == _decode(["sensors", "ultrasonic", "esp32_001"], GOOD, NOW)
    assert _sensor_reading({**GOOD, "value": 7}, "ultrasonic", "esp32_001", NOW) is not None


@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=MAX_PAYLOAD_BYTES + 10))
def test_fuzzed_bytes_never_crash_the_parser(payload: bytes) -> None:
    with pytest.raises(Rejected) as info:
        decode("r", TOPIC, payload, NOW)  # random bytes are never a valid reading
    assert info.value.reason in {"json", "schema", "oversized"}


def test_gateway_counts_bad_messages_stores_nothing_wrong_and_keeps_working(
    gateway: DeviceGateway, root: str
) -> None:
    topic = f"{root}/sensors/ultrasonic/esp32_001"
    bad = [b"{oops", with_(seq="7"), with_(value=[1]), b"x" * (MAX_PAYLOAD_BYTES * 4)]
    for payload in bad:
        publish(topic, payload)
    publish(f"{root}/sensors/ultrasonic/esp32_002", with_())  # payload says esp32_001
    publish(topic, with_(seq=9, value=42.0))

    wait_for(lambda: gateway.readings.count() == 1 and gateway.stats().received == 6, what="intake")
    gateway.wait_idle(5)
    stats = gateway.stats()
    assert stats.rejected == {"json": 1, "schema": 2, "oversized": 1, "device_mismatch": 1}
    (row,) = gateway.readings.list()
    assert (row.device_id, row.seq, row.value) == ("esp32_001", 9, 42.0)
    assert [d.device_id for d in gateway.devices.list()] == ["esp32_001"]
