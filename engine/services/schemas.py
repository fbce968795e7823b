"""Boundary models of the access-control services (REST bodies use them as they are)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: str
    cameras: list[str] = Field(
        default_factory=list, description='camera ids the user may see, or ["*"] for all'
    )


class UserCameras(BaseModel):
    """The cameras a user may see, replacing what their row held."""

    cameras: list[str] = Field(
        max_length=10_000, description='camera ids the user may see, or ["*"] for all'
    )


class UserPublic(BaseModel):
    """A user as admins see it: never the password hash."""

    id: uuid.UUID
    name: str
    role: str
    cameras: list[str]
    disabled: bool
    created_at: datetime
    last_login: datetime | None = None


class LoginRequest(BaseModel):
    name: str = Field(max_length=128)
    password: str = Field(max_length=1024)


class TokenPublic(BaseModel):
    """A login's answer: send `Authorization: Bearer <access_token>` until `expires_at`."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class PrincipalPublic(BaseModel):
    """Who the caller is (GET /auth/me). `cameras` null means every camera."""

    kind: str
    name: str
    role: str
    permissions: list[str]
    cameras: list[str] | None


class DeviceKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)


class DeviceKeyPublic(BaseModel):
    """A device key as listed: its public prefix, never the token or its hash."""

    id: uuid.UUID
    prefix: str
    name: str
    role: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used: datetime | None = None


class DeviceKeyIssued(DeviceKeyPublic):
    """The answer to issuing a key: `token` is shown this once and stored only hashed."""

    token: str


class AuditEntryPublic(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    object: str | None
    outcome: str
    remote: str | None
