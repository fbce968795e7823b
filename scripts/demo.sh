#!/usr/bin/env bash
# Sets everything up and starts the demo console on the embedded defaults (no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh console
exec .venv/bin/sentinel-console --demo "$@"
