"""Messages of the device stream (`GET /ws/devices`), one JSON object each, told apart by `type`:
`device` for each change to a device, and as on `/ws/events` `dropped` (this viewer fell behind)
and `pong` (answering a client's `{"type": "ping"}`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.domain.device import DeviceSummary, DeviceUpdate
from engine.domain.live import LiveDropped, LivePong


class LiveDevice(BaseModel):
    """A DeviceUpdate on the wire: the same values the in-process client's subscription gets
    (the device now, the kinds of readings stored since its last update, its newest image)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["device"] = "device"
    device: DeviceSummary
    kinds: list[str] = Field(
        default_factory=list, description="temperature, humidity, ultrasonic, camera, status, ack"
    )
    image: str | None = Field(default=None, description="filename of the newest uploaded image")

    @classmethod
    def of(cls, update: DeviceUpdate) -> LiveDevice:
        return cls(device=update.device, kinds=sorted(update.kinds), image=update.image)

    def update(self) -> DeviceUpdate:
        return DeviceUpdate(device=self.device, kinds=frozenset(self.kinds), image=self.image)


DeviceStreamMessage = LiveDevice | LiveDropped | LivePong
