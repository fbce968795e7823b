#!/usr/bin/env bash
# Makes sure the machine's PostgreSQL is up: the storage tests run on it as well as on SQLite.
set -uo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
pg_isready -h 127.0.0.1 -p 5432 -q || echo "services: PostgreSQL is not reachable on 127.0.0.1:5432" >&2
