"""Pydantic models of the bus-stop MQTT payloads (firmware/esp32, seed 003). The firmware's
lib/sentinel_core/src/sentinel/messages.cpp writes them; the gateway validates every message
against them before anything is stored. Strict: a wrongly typed field is a rejected message,
never a coerced one, and unknown fields are refused."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Label = Annotated[str, StringConstraints(max_length=64)]
SENSOR_UNITS: dict[str, str] = {"ultrasonic": "cm", "temperature": "C", "humidity": "%"}
# Seq is a JSON number: keep it within what a double represents exactly.
MAX_SEQ = 2**53


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MessageHeader(_Strict):
    """Fields every sequenced device message starts with."""

    device_id: DeviceId = Field(description="device id; also the last topic level")
    location: Label = Field(description="placement label from the device config (seed `location`)")
    boot: int = Field(ge=1, le=2**31 - 1, description="boot counter kept in the device's NVS")
    seq: int = Field(ge=1, le=MAX_SEQ, description="per-device sequence, from 1 in each boot")
    timestamp: float | None = Field(
        ge=0, le=32503680000, description="epoch seconds (device clock); null: not set (no NTP)"
    )

    @field_validator("timestamp")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("timestamp must be finite")
        return value


class SensorReading(MessageHeader):
    """`{root}/sensors/{kind}/{device_id}`, QoS 0 by default (seed 003)."""

    value: float = Field(description="the measurement: distance cm, temperature C, humidity %")
    unit: Literal["cm", "C", "%"] = Field(description="must match the kind in the topic")

    @field_validator("value")
    @classmethod
    def _finite_value(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("value must be finite")
        return value


class CameraEvent(MessageHeader):
    """`{root}/camera/{device_id}`, QoS 1: a capture; the JPEG itself goes by HTTP upload."""

    event_type: Literal["capture"]
    trigger: Literal["command", "interval", "motion"]
    image_count: int = Field(ge=0, le=100)
    image: Label | None = Field(description="upload's filename; null when not uploaded")
    image_bytes: int = Field(ge=0, le=16 * 2**20)


class DeviceStatus(MessageHeader):
    """`{root}/status/{device_id}`, retained, QoS 1: online (connect and each heartbeat) or
    offline (clean shutdown, reboot)."""

    state: Literal["online", "offline"]
    reason: Label
    firmware: Label = Field(description="SENTINEL_FW_VERSION compiled into the firmware")
    uptime_s: float = Field(ge=0)
    rssi: int = Field(ge=-150, le=0, description="WiFi signal, dBm")


class DeviceWill(_Strict):
    """The last will on `{root}/status/{device_id}`: published by the broker when the device
    vanishes, so it carries no boot/seq."""

    device_id: DeviceId
    location: Label
    state: Literal["offline"]
    reason: Label
    firmware: Label


class CommandAck(MessageHeader):
    """`{root}/ack/{device_id}`, QoS 1: the outcome of a command, or of a config push
    (`command` CONFIG)."""

    command_id: Label = Field(description="the command's `id`; empty when it had none")
    command: Label = Field(description="BEEP, CAPTURE, REBOOT, SET_CONFIG, CONFIG or the bad name")
    ok: bool
    detail: Annotated[str, StringConstraints(max_length=256)]


class DeviceConfigPatch(BaseModel):
    """What the server may set on `{root}/config/{device_id}` (retained) or in SET_CONFIG.
    Unset fields keep the device's value."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None, max_length=64, description="echoed as the ack's command_id"
    )
    location: Label | None = None
    sensor_interval_ms: int | None = Field(default=None, ge=100, le=86_400_000)
    heartbeat_interval_ms: int | None = Field(default=None, ge=1000, le=86_400_000)
    capture_interval_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    qos_sensors: Literal[0, 1] | None = None
    qos_camera: Literal[0, 1] | None = None
    beep_ms: int | None = Field(default=None, ge=1, le=10_000)
    upload_url: str | None = Field(default=None, max_length=256)


class DeviceCommand(BaseModel):
    """`{root}/command/{device_id}`, QoS 1. The firmware also takes seed 003's bare `BEEP`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=64)
    command: Literal["BEEP", "CAPTURE", "REBOOT", "SET_CONFIG"]
    duration_ms: int | None = Field(default=None, ge=1, le=10_000, description="BEEP only")
    config: DeviceConfigPatch | None = Field(default=None, description="SET_CONFIG only")
