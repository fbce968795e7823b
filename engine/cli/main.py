"""`sentinel-engine`: the headless engine's command line."""

from __future__ import annotations

import argparse
import logging
import sys

from engine.cli import alpr, detect, edge, export_events, serve, simulate_devices, user
from engine.devices.broker_logins import BrokerLoginError
from engine.devices.gateway import GatewayError
from engine.security.log_redaction import install_log_redaction
from engine.sources.base import SourceError
from engine.vision.detector import DetectorError

# Errors a user can act on: one line, no traceback.
# GatewayError, BrokerLoginError: the device broker (MQTT_BROKER) refused or did not answer.
USER_ERRORS = (
    SourceError,
    DetectorError,
    FileNotFoundError,
    ValueError,
    GatewayError,
    BrokerLoginError,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentinel-engine", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    subparsers = parser.add_subparsers(dest="command", required=True)
    detect.add_parser(subparsers)
    simulate_devices.add_parser(subparsers)
    alpr.add_parser(subparsers)
    user.add_parser(subparsers)
    serve.add_parser(subparsers)
    edge.add_parser(subparsers)
    export_events.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install_log_redaction()  # no plate text in any log line (engine.security.log_redaction)
    try:
        return int(args.run(args))
    except USER_ERRORS as exc:
        print(f"sentinel-engine: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
