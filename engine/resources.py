"""One resolver for bundled resources, so a source checkout and a PyInstaller build find the
same files (PyInstaller unpacks data under sys._MEIPASS)."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource; raises FileNotFoundError naming what is missing."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"bundled resource missing: {path}")
    return path


def default_model_path() -> Path:
    return resource_path("models", "yolox_nano.onnx")


def demo_clips() -> list[Path]:
    return sorted(resource_path("clips").glob("*.mp4"))
