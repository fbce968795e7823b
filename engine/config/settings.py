"""Settings: one pydantic-settings root, one model per section. Env var names follow the seeds
where they exist (DATABASE_URL, BLOBS_DIR); sections nest with '__'."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "sentinel"


class RetentionSettings(BaseModel):
    """Events and snapshots older than max_age_days, or beyond max_bytes of snapshots (oldest
    first), are deleted while the engine runs."""

    max_age_days: float = Field(default=30.0, gt=0)
    plate_max_age_days: float | None = Field(
        default=None, gt=0, description="plate events (personal data); None = max_age_days"
    )
    max_snapshot_bytes: int = Field(default=2 * 1024**3, gt=0)
    check_interval_s: float = Field(default=60.0, gt=0)


class DetectorSettings(BaseModel):
    type: str = Field(default="onnx", description="registry name of the detector backend")
    model: Path | None = Field(default=None, description="ONNX file; None = bundled YOLOX-Nano")
    threads: int = Field(default=2, ge=1)


class EventSettings(BaseModel):
    """A track becomes 'entered' once seen on min_hits analysed frames; 'left' once unseen for
    lost_after_s seconds of source time."""

    min_hits: int = Field(default=3, ge=1)
    lost_after_s: float = Field(default=1.5, gt=0)
    classes: list[str] = Field(default_factory=lambda: ["car", "bus", "truck", "motorcycle"])


class ServerSettings(BaseModel):
    """HTTP server limits. Each client (a verified login token's user, else the client address)
    has a token bucket of `rate_limit_burst` requests refilled at `rate_limit_per_s`; beyond it
    429 with Retry-After. /health and /metrics are exempt. `live_queue` bounds each live-stream
    viewer's queue (a slower viewer loses its oldest messages)."""

    rate_limit_per_s: float = Field(default=100.0, ge=0, description="0 = no limit")
    rate_limit_burst: int = Field(default=1000, ge=1)
    live_queue: int = Field(default=256, ge=1)
    ice_servers: list[str] = Field(
        default_factory=list,
        description="ICE servers of the WebRTC video (e.g. stun:stun.example.org:3478); "
        "none: host candidates only, nothing outside is contacted",
    )


class ClusterSettings(BaseModel):
    """Engines sharing one database split its cameras by leases: each beats every
    `heartbeat_s`, renews its leases for `lease_ttl_s`, and takes its fair share; a dead
    engine's cameras move once its leases expire (engine.cluster)."""

    enabled: bool | None = Field(default=None, description="None = on with PostgreSQL")
    heartbeat_s: float = Field(default=3.0, gt=0, description="seconds between rounds")
    lease_ttl_s: float = Field(
        default=10.0, gt=0, description="a lease not renewed for this long can be taken"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, alias="SENTINEL_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    blobs_dir: Path | None = Field(default=None, alias="BLOBS_DIR")
    # Blobs in S3 (or any S3-compatible store) instead of BLOBS_DIR (engine.storage.s3_blobs).
    # Without S3_ACCESS_KEY_ID boto3 finds credentials itself (AWS_* variables, instance role).
    blobs_url: str | None = Field(
        default=None, alias="BLOBS_URL", description="s3://bucket/prefix; None = BLOBS_DIR"
    )
    s3_endpoint_url: str | None = Field(
        default=None, alias="S3_ENDPOINT_URL", description="e.g. http://minio:9000; None = AWS"
    )
    s3_region: str | None = Field(default=None, alias="S3_REGION")
    s3_access_key_id: str | None = Field(default=None, alias="S3_ACCESS_KEY_ID")
    s3_secret_access_key: SecretStr | None = Field(default=None, alias="S3_SECRET_ACCESS_KEY")
    s3_timeout_s: float = Field(
        default=5.0, gt=0, alias="S3_TIMEOUT_S", description="connect and read timeout"
    )
    spool_dir: Path | None = Field(default=None, alias="SPOOL_DIR")
    site: str = Field(default="local", alias="SENTINEL_SITE")
    camera_workers: Literal["thread", "process"] = Field(
        default="thread",
        alias="SENTINEL_CAMERA_WORKERS",
        description="run each camera in a thread of the engine or in its own process "
        "(decode and detection on every core; plate-reading cameras stay threads)",
    )
    detector: DetectorSettings = Field(default_factory=DetectorSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    # Access control (#4). Secrets have no default: nothing secret lives in the repository.
    api_key: SecretStr | None = Field(
        default=None, alias="API_KEY", description="seed key for edge devices: upload/ingest only"
    )
    jwt_secret: SecretStr | None = Field(
        default=None, alias="JWT_SECRET", description="HS256 key of login tokens"
    )
    jwt_expiry_s: float = Field(default=8 * 3600.0, gt=0, alias="JWT_EXPIRY_S")
    policy_file: Path | None = Field(
        default=None, alias="POLICY_FILE", description="field policy; None = bundled rules.yaml"
    )
    roles_file: Path | None = Field(
        default=None, alias="ROLES_FILE", description="permission matrix; None = bundled roles.yaml"
    )
    # Devices (#5). The broker the gateway reads and devices log in to; with an admin login for
    # Mosquitto's dynamic-security plugin, registering a device also makes its MQTT login.
    mqtt_broker: str | None = Field(
        default=None, alias="MQTT_BROKER", description="mqtt://host:port of the device broker"
    )
    mqtt_topic_root: str = Field(default="smartstop", alias="MQTT_TOPIC_ROOT")
    mqtt_topic: str | None = Field(
        default=None,
        alias="MQTT_TOPIC",
        description="bus topic of event envelopes (seed 001, e.g. smartpole/events), ingested "
        "as POST /ingest/message",
    )
    mqtt_admin_user: str | None = Field(default=None, alias="MQTT_ADMIN_USER")
    mqtt_admin_password: SecretStr | None = Field(default=None, alias="MQTT_ADMIN_PASSWORD")
    policy_hmac_key: SecretStr | None = Field(
        default=None, alias="POLICY_HMAC_KEY", description="HMAC key of redacted plate keys"
    )

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'sentinel.db'}"

    def resolved_blobs_dir(self) -> Path:
        return self.blobs_dir or self.data_dir / "blobs"

    def resolved_spool_dir(self) -> Path:
        return self.spool_dir or self.data_dir / "spool"
