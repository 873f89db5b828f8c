#!/usr/bin/env bash
# Install everything and run the whole check: lint, format, types, then the test suite.
# The suite runs on SQLite always, and also on PostgreSQL when TEST_DATABASE_URL is set
# (e.g. TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test). Extra args go to pytest.
set -euo pipefail
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
