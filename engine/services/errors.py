"""Service-layer errors. Messages are generic on purpose: they never carry data, so every
channel (REST, WebSocket, CLI) can show them as they are."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises for a caller to act on."""

    message = "error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidCredentials(ServiceError):
    """Missing, wrong, expired, forged or revoked credentials (HTTP 401)."""

    message = "not authenticated"


class AccessDenied(ServiceError):
    """Authenticated, but this role or camera scope may not do it (HTTP 403)."""

    message = "forbidden"


class NotFound(ServiceError):
    """No such object (HTTP 404)."""

    message = "not found"


class Conflict(ServiceError):
    """The object already exists (HTTP 409)."""

    message = "already exists"


class InvalidInput(ServiceError):
    """The request itself is wrong, e.g. an unknown role (HTTP 422). The message says why."""

    message = "invalid input"


class PayloadTooLarge(ServiceError):
    """Too many events or too many bytes in one request (HTTP 413). The message says the limit."""

    message = "payload too large"


class UnsupportedMedia(ServiceError):
    """An upload that is not a decodable image (HTTP 415). The message says why."""

    message = "unsupported media type"


class Unavailable(ServiceError):
    """A collaborator the request needs (the device broker) is down (HTTP 503); nothing was
    changed. The message names the collaborator, never data."""

    message = "service unavailable"
