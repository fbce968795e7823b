"""Turns one MQTT message into what the gateway stores, or a rejection with its reason."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from engine.devices.payloads import (
    MAX_SEQ,
    SENSOR_UNITS,
    CameraEvent,
    CommandAck,
    DeviceStatus,
    DeviceWill,
    MessageHeader,
    SensorReading,
)
from engine.storage.repos.devices import DeviceSighting

MAX_PAYLOAD_BYTES = 4096  # the firmware's esp-mqtt buffer; anything larger is not ours
_SENSOR_FIELDS = frozenset(SensorReading.model_fields)
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # payloads.DeviceId, matched whole
_MAX_BOOT = 2**31 - 1
_MAX_TIMESTAMP = 32503680000
_EXACT_INT = 2**53  # an int value converts to float exactly up to here


class Rejected(Exception):
    """A message that is not a valid device message; `reason` is a short counter key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Decoded:
    """A valid message: the reading row to store (None for a will) and what it says about the
    device."""

    reading: dict[str, Any] | None
    sighting: DeviceSighting


def decode(root: str, topic: str, payload: bytes, received_at: datetime) -> Decoded:
    """Validate `payload` against the model its topic names. Raises Rejected."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Rejected("oversized")
    prefix = root + "/"
    if not topic.startswith(prefix):
        raise Rejected("topic")
    levels = topic[len(prefix) :].split("/")
    try:
        document = from_json(payload)  # pydantic-core's parser: UTF-8 checked, ~4x json.loads
    except (ValueError, RecursionError) as exc:
        raise Rejected("json", str(exc)) from None
    if not isinstance(document, dict):
        raise Rejected("json", "not an object")
    if len(levels) == 3 and levels[0] == "sensors":
        fast = _sensor_reading(document, levels[1], levels[2], received_at)
        if fast is not None:
            return fast
    try:
        return _decode(levels, document, received_at)
    except ValidationError as exc:
        raise Rejected("schema", str(exc.errors()[0].get("msg", ""))) from None


def _decode(levels: list[str], document: dict[str, Any], received_at: datetime) -> Decoded:
    match levels:
        case ["sensors", kind, device_id] if kind in SENSOR_UNITS:
            reading = SensorReading.model_validate(document)
            _same_device(reading.device_id, device_id)
            if reading.unit != SENSOR_UNITS[kind]:
                raise Rejected("schema", f"unit {reading.unit} is not the unit of {kind}")
            row = _row(reading, kind, received_at, value=reading.value, unit=reading.unit)
            return Decoded(row, _seen(reading, received_at))
        case ["camera", device_id]:
            event = CameraEvent.model_validate(document)
            _same_device(event.device_id, device_id)
            data = event.model_dump(
                include={"event_type", "trigger", "image_count", "image", "image_bytes"}
            )
            return Decoded(_row(event, "camera", received_at, data=data), _seen(event, received_at))
        case ["ack", device_id]:
            ack = CommandAck.model_validate(document)
            _same_device(ack.device_id, device_id)
            data = ack.model_dump(include={"command_id", "command", "ok", "detail"})
            return Decoded(_row(ack, "ack", received_at, data=data), _seen(ack, received_at))
        case ["status", device_id]:
            if "seq" not in document:  # only the broker-published will has no seq
                will = DeviceWill.model_validate(document)
                _same_device(will.device_id, device_id)
                sighting = DeviceSighting(
                    will.device_id,
                    received_at,
                    location=will.location,
                    firmware=will.firmware,
                    online=False,
                    status_reason=will.reason,
                )
                return Decoded(None, sighting)
            status = DeviceStatus.model_validate(document)
            _same_device(status.device_id, device_id)
            data = status.model_dump(include={"state", "reason", "firmware", "uptime_s", "rssi"})
            sighting = _seen(status, received_at)
            sighting.firmware = status.firmware
            sighting.online = status.state == "online"
            sighting.status_reason = status.reason
            return Decoded(_row(status, "status", received_at, data=data), sighting)
    raise Rejected("topic")


def _sensor_reading(
    document: dict[str, Any], kind: str, device_id: str, received_at: datetime
) -> Decoded | None:
    """The firmware's sensor readings, most of what the gateway takes, checked without building
    the model: only documents that SensorReading certainly accepts (the same fields, types and
    ranges) pass here. None hands anything else to the model, which accepts it or says why not."""
    if document.keys() != _SENSOR_FIELDS or document["device_id"] != device_id:
        return None
    location, boot, seq = document["location"], document["boot"], document["seq"]
    value, stamp = document["value"], document["timestamp"]
    if not (
        type(location) is str
        and len(location) <= 64
        and type(boot) is int
        and 1 <= boot <= _MAX_BOOT
        and type(seq) is int
        and 1 <= seq <= MAX_SEQ
        and (
            (type(value) is float and math.isfinite(value))
            or (type(value) is int and -_EXACT_INT <= value <= _EXACT_INT)
        )
        and kind in SENSOR_UNITS
        and document["unit"] == SENSOR_UNITS[kind]
        and (
            stamp is None
            or (type(stamp) in (float, int) and 0 <= stamp <= _MAX_TIMESTAMP)  # inf fails too
        )
        and _DEVICE_ID.fullmatch(device_id)
    ):
        return None
    row = {
        "device_id": device_id,
        "boot": boot,
        "seq": seq,
        "kind": kind,
        "ts": datetime.fromtimestamp(stamp, timezone.utc) if stamp else received_at,
        "received_at": received_at,
        "location": location,
        "value": float(value),
        "unit": document["unit"],
        "data": None,
    }
    return Decoded(row, DeviceSighting(device_id, received_at, location=location, boot=boot))


def _same_device(in_payload: str, in_topic: str) -> None:
    # A device may only speak for itself: the topic is what broker ACLs restrict.
    if in_payload != in_topic:
        raise Rejected("device_mismatch")


def _row(
    header: MessageHeader,
    kind: str,
    received_at: datetime,
    value: float | None = None,
    unit: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ts = datetime.fromtimestamp(header.timestamp, timezone.utc) if header.timestamp else received_at
    return {
        "device_id": header.device_id,
        "boot": header.boot,
        "seq": header.seq,
        "kind": kind,
        "ts": ts,
        "received_at": received_at,
        "location": header.location,
        "value": value,
        "unit": unit,
        "data": data,
    }


def _seen(header: MessageHeader, received_at: datetime) -> DeviceSighting:
    return DeviceSighting(header.device_id, received_at, location=header.location, boot=header.boot)
