"""`sentinel-engine edge`: the engine headless next to its cameras (a Jetson), forwarding every
event to a central engine's `/ingest` with store-and-forward (engine.edge.central_writer)."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from engine.config.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "edge",
        help="run cameras here and send their events to a central engine",
        description="The device key comes from SENTINEL_EDGE_KEY (what POST /register answered);"
        " events wait in SPOOL_DIR while the central engine is unreachable. onnxruntime uses "
        "the TensorRT or CUDA provider when present (a Jetson), the CPU otherwise.",
    )
    parser.add_argument("--central", required=True, help="central engine URL, https://host:port")
    parser.add_argument(
        "--camera", action="append", default=[], metavar="SOURCE", help="video file or rtsp:// URL"
    )
    parser.add_argument("--ca", type=Path, help="CA bundle that signed the central certificate")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from engine.assembly import open_engine
    from engine.cli.serve import add_sources
    from engine.edge.central_writer import CentralWriter

    key = os.environ.get("SENTINEL_EDGE_KEY")
    if not key:
        raise ValueError("SENTINEL_EDGE_KEY is not set (the device key POST /register answered)")
    if not args.central.startswith(("http://", "https://")):
        raise ValueError(f"--central must be an http(s) URL: {args.central!r}")
    if args.ca is not None and not args.ca.is_file():
        raise FileNotFoundError(f"no such file: {args.ca}")
    settings = Settings()
    verify: bool | str = str(args.ca) if args.ca else True
    parts = open_engine(
        settings, forward_to=lambda blobs: CentralWriter(args.central, key, blobs, verify=verify)
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        parts.core.start_saved_cameras()
        add_sources(parts.core, args.camera)
        stop.wait()
    finally:
        parts.close()
    return 0
