"""Configuration: pydantic-settings root and its sections."""

from engine.config.settings import (
    DetectorSettings,
    EventSettings,
    RetentionSettings,
    Settings,
)

__all__ = ["DetectorSettings", "EventSettings", "RetentionSettings", "Settings"]
