"""Service layer: every read and write a channel offers, taking the caller's Principal and
enforcing its permissions, camera rights and the field policy. HTTP handlers, the in-process
client and the CLI all call these, so the same role tests hold on every channel."""

from engine.services.container import Services, build_services
from engine.services.errors import (
    AccessDenied,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    ServiceError,
)

__all__ = [
    "AccessDenied",
    "Conflict",
    "InvalidCredentials",
    "InvalidInput",
    "NotFound",
    "ServiceError",
    "Services",
    "build_services",
]
