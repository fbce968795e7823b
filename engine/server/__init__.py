"""The engine's HTTP server: `create_app(services, settings)` and one router per resource."""

from engine.server.app import create_app

__all__ = ["create_app"]
