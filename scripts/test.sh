#!/usr/bin/env bash
# Sets everything up and runs every test (engine, storage on SQLite and Postgres, console).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/services.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
