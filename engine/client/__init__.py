"""EngineClient protocol and its implementations (the console's only way into the engine)."""

from engine.client.protocol import EngineClient, EventQuery, Subscription

__all__ = ["EngineClient", "EventQuery", "Subscription"]
