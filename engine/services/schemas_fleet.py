"""Boundary models of the fleet API (seed 000/001: /register, /heartbeat, /config, /devices),
seed 003's image API (/api/upload, /api/images, /api/inference) and reading queries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Label = Annotated[str, StringConstraints(max_length=64)]
DeviceKind = Literal["jetson", "esp32", "camera", "other"]
MAX_CONFIG_BYTES = 16 * 1024
MAX_METRICS = 32
DEFAULT_HEARTBEAT_S = 30.0  # the firmware's default heartbeat_interval_ms / 1000


def _small_json(value: dict[str, Any], limit: int, what: str) -> dict[str, Any]:
    if len(json.dumps(value)) > limit:
        raise ValueError(f"{what} larger than {limit} bytes as JSON")
    return value


class DeviceRegister(BaseModel):
    """POST /register: an installer or admin registers a device and receives its key once."""

    model_config = ConfigDict(extra="forbid")

    device_id: DeviceId = Field(description="the device's id, as in its topics (`esp32_001`)")
    kind: DeviceKind = "jetson"
    location: Label | None = Field(default=None, description="placement label (seed `location`)")
    heartbeat_interval_s: float = Field(
        default=DEFAULT_HEARTBEAT_S,
        ge=1.0,
        le=86_400.0,
        description="how often the device reports; offline after 3 missed beats",
    )
    config: dict[str, Any] = Field(default_factory=dict, description="initial config (version 1)")

    @field_validator("config")
    @classmethod
    def _config_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _small_json(value, MAX_CONFIG_BYTES, "config")


class DeviceRegistered(BaseModel):
    """The answer to POST /register: `key` goes into the device's `x-api-key` header; it is
    shown this once and stored only hashed (revoke it with DELETE /device-keys/{key_id})."""

    device_id: str
    key: str
    key_id: str
    key_prefix: str
    config_version: int
    # Set when the engine manages logins on its device broker (MQTT_ADMIN_USER): the device
    # connects to MQTT_BROKER as `mqtt_username` with this password, shown this once.
    mqtt_username: str | None = None
    mqtt_password: str | None = None


class Heartbeat(BaseModel):
    """POST /heartbeat/{device_id} (optional body): `offline` announces a clean shutdown."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "degraded", "offline"] = "ok"
    firmware: Label | None = Field(default=None, description="firmware or software version")
    metrics: dict[str, float] | None = Field(
        default=None, description=f"latest figures (cpu %, temperature C...), at most {MAX_METRICS}"
    )

    @field_validator("metrics")
    @classmethod
    def _metrics_size(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None and len(value) > MAX_METRICS:
            raise ValueError(f"at most {MAX_METRICS} metrics")
        if value is not None and any(len(name) > 64 for name in value):
            raise ValueError("metric names are at most 64 characters")
        return value


class HeartbeatAck(BaseModel):
    """The heartbeat's answer: a `config_version` other than the device's own means GET
    /config/{device_id} again."""

    device_id: str
    online: bool
    config_version: int
    heartbeat_interval_s: float
    server_time: datetime


class DeviceConfigUpdate(BaseModel):
    """PUT /config/{device_id}: the whole new config. With `if_version`, the write happens only
    while that is still the stored version (409 otherwise)."""

    model_config = ConfigDict(extra="forbid")

    config: dict[str, Any]
    if_version: int | None = Field(default=None, ge=0)

    @field_validator("config")
    @classmethod
    def _config_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _small_json(value, MAX_CONFIG_BYTES, "config")


class DeviceConfigPublic(BaseModel):
    """A device's config; `version` goes up by one on every write."""

    device_id: str
    version: int
    config: dict[str, Any]
    updated_at: datetime | None


class DevicePublic(BaseModel):
    """A device as the Fleet view lists it. `online`: its last status said so and it was seen
    within 3 heartbeat intervals."""

    device_id: str
    kind: str
    location: str | None
    firmware: str | None
    online: bool
    status: str | None = Field(description="last heartbeat status or status-topic reason")
    last_seen: datetime | None
    heartbeat_interval_s: float
    registered: bool = Field(description="has a device key bound to it (POST /register)")
    metrics: dict[str, Any] | None
    config: dict[str, Any]
    config_version: int
    created_at: datetime


class ReadingPublic(BaseModel):
    """One stored device message (table `readings`)."""

    device_id: str
    boot: int
    seq: int
    kind: str
    ts: datetime
    received_at: datetime
    location: str
    value: float | None
    unit: str | None
    data: dict[str, Any] | None


class ImagePublic(BaseModel):
    """An uploaded image's metadata; its bytes are at GET /api/images/{filename}."""

    filename: str
    device_id: str
    location: str
    timestamp: datetime = Field(description="upload time, UTC (seed 003 `metadata.timestamp`)")
    bytes: int
    width: int
    height: int
    content_type: str


class ImageUploaded(BaseModel):
    """POST /api/upload's answer (seed 003's shape, minus server file paths)."""

    status: Literal["success"] = "success"
    filename: str
    metadata: ImagePublic


class InferenceRequest(BaseModel):
    """POST /api/inference: run the engine's detector on a stored image."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(max_length=64)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    classes: list[str] | None = Field(default=None, description="class names kept; null = all")


class DetectionRecord(BaseModel):
    """One box, as in the detect line (section 2's detection record)."""

    model_config = ConfigDict(populate_by_name=True)

    class_name: str = Field(alias="class")
    class_id: int
    score: float
    box: tuple[float, float, float, float]
    track_id: int | None = None


class InferenceResult(BaseModel):
    filename: str
    width: int
    height: int
    detections: list[DetectionRecord]
