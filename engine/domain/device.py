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


class DeviceSnapshot(_Value):
    """A device's latest camera image, as its camera uploaded it (seed 003's POST /api/upload,
    after a CAPTURE command or on the config's capture interval)."""

    device_id: str
    filename: str
    uploaded_at: datetime
    content_type: str
    width: int
    height: int
    data: bytes = Field(repr=False)


class DeviceUpdate(_Value):
    """A change to one device, pushed as it is stored: the device as it is now (online or not,
    last seen, location...), the kinds of readings stored since its last update (temperature,
    humidity, ultrasonic, camera, status, ack; none for a registration or revocation, or from a
    client that cannot tell what changed) and the filename of the newest image its camera
    announced (None: no new image, or not known)."""

    device: DeviceSummary
    kinds: frozenset[str] = frozenset()
    image: str | None = None
