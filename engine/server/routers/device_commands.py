"""Commands and config pushes to MQTT devices (the bus stops), through DeviceCommandService:
fleet.manage; 503 when this engine has no device broker or the device did not answer."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from engine.devices.payloads import DeviceConfigPatch
from engine.domain.device import CommandName, DeviceAck
from engine.server.deps import PrincipalDep, ServicesDep, permission

router = APIRouter(prefix="/devices", tags=["fleet"])
_MANAGE = permission("fleet.manage")


class CommandRequest(BaseModel):
    """One command for a device; `duration_ms` is BEEP's length."""

    model_config = ConfigDict(extra="forbid")

    command: CommandName
    duration_ms: int | None = Field(default=None, ge=1, le=10_000)


@router.post("/{device_id}/commands", response_model=DeviceAck, openapi_extra=_MANAGE)
def send_command(
    device_id: str, body: CommandRequest, principal: PrincipalDep, services: ServicesDep
) -> DeviceAck:
    """Publish BEEP, CAPTURE or REBOOT and answer the device's ack (about 10 s at most)."""
    return services.commands.send_command(
        principal, device_id, body.command, duration_ms=body.duration_ms
    )


@router.patch("/{device_id}/config", response_model=DeviceAck | None, openapi_extra=_MANAGE)
def push_config(
    device_id: str, body: DeviceConfigPatch, principal: PrincipalDep, services: ServicesDep
) -> DeviceAck | None:
    """Set the device's retained config (unset fields keep its value); its CONFIG ack, or null
    when it did not answer in time (an offline device applies it when it is back)."""
    return services.commands.push_config(principal, device_id, body)
