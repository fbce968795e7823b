"""Sentinel operator console (PySide6)."""
