"""Devices as the console sees them: a fleet row, a stored reading, a command's acknowledgement
and the credentials a registration hands out once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SENSOR_KINDS = ("temperature", "humidity", "ultrasonic")
CommandName = Literal["BEEP", "CAPTURE", "REBOOT"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DeviceSummary(_Value):
    """One device of the fleet. `online`: its last status said so and it was heard from within
    three heartbeat intervals; `status` is the last status reason (`shutdown`, `revoked`...)."""

    device_id: str
    kind: str
    location: str | None = None
    firmware: str | None = None
    online: bool = False
    status: str | None = None
    last_seen: datetime | None = None
    heartbeat_interval_s: float = 30.0
    config: dict[str, Any] = Field(default_factory=dict)
    config_version: int = 0


class Reading(_Value):
    """One stored device message: a sensor value (`value`, `unit`) or a status, camera or ack
    document (`data`). `ts` is the device's clock, else the time it was received."""

    device_id: str
    kind: str
    boot: int
    seq: int
    ts: datetime
    location: str
    value: float | None = None
    unit: str | None = None
    data: dict[str, Any] | None = None


class DeviceAck(_Value):
    """A device's answer to a command or a config push (`command` CONFIG)."""

    device_id: str
    command_id: str
    command: str
    ok: bool
    detail: str
    ts: datetime


class DeviceCredentials(_Value):
    """What registering a device hands out, this once: its HTTP key and, on a broker with
    device logins, its MQTT username and password."""

    device_id: str
    key: str
    key_id: str
    mqtt_username: str | None = None
    mqtt_password: str | None = None
