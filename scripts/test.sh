#!/usr/bin/env bash
# Install everything and run the whole check: lint, format, types, then the test suite.
# The suite runs on SQLite always, and also on PostgreSQL when TEST_DATABASE_URL is set
# (e.g. TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test). Extra args go to pytest.
#   --pgbouncer   the suite on PostgreSQL only, every app it starts reaching the database
#                 through a transaction-mode PgBouncer of its own (Debian's pgbouncer) and
#                 LISTENing directly, as on Azure (same as TEST_PGBOUNCER=1)
set -euo pipefail
if [[ "${1:-}" == "--pgbouncer" ]]; then
  shift
  export TEST_PGBOUNCER=1
fi
if [[ "${TEST_PGBOUNCER:-}" == "1" && -z "${TEST_DATABASE_URL:-}" ]]; then
  echo "--pgbouncer needs TEST_DATABASE_URL (a PostgreSQL server to pool)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
cd backend
echo "== ruff"
../.venv/bin/ruff check . ../bench
../.venv/bin/ruff format --check . ../bench
echo "== mypy --strict app"
../.venv/bin/mypy
echo "== pytest"
exec ../.venv/bin/pytest "$@"
