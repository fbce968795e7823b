"""Devices: the MQTT gateway that stores what bus-stop nodes (firmware/esp32) publish, their
payload models, and the device registry."""

from engine.devices.gateway import DeviceGateway, GatewayError, parse_broker
from engine.devices.payloads import DeviceCommand, DeviceConfigPatch
from engine.devices.writer import IntakeStats

__all__ = [
    "DeviceCommand",
    "DeviceConfigPatch",
    "DeviceGateway",
    "GatewayError",
    "IntakeStats",
    "parse_broker",
]
