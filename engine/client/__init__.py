"""EngineClient protocol and its implementations (the console's only way into the engine)."""

from engine.client.protocol import EngineClient, EventQuery, Subscription
from engine.devices.payloads import DeviceConfigPatch

__all__ = ["DeviceConfigPatch", "EngineClient", "EventQuery", "Subscription"]
