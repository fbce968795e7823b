"""Turns one MQTT message into what the gateway stores, or a rejection with its reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from engine.devices.payloads import (
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
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Rejected("json", str(exc)) from None
    if not isinstance(document, dict):
        raise Rejected("json", "not an object")
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
