"""Sentinel engine: headless core (no Qt)."""
