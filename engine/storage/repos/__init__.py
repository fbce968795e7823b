"""Repositories: every query Sentinel runs lives in one of these modules."""

from engine.storage.repos.cameras import CameraRepository
from engine.storage.repos.events import EventRepository, PurgedEvents

__all__ = ["CameraRepository", "EventRepository", "PurgedEvents"]
