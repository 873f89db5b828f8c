#!/usr/bin/env bash
# Install and start the service on the embedded SQLite default at http://127.0.0.1:8000.
# Any setting can be overridden from the environment (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cd backend
export DATABASE_URL=${DATABASE_URL:-sqlite:///./initiative.db}
../.venv/bin/alembic upgrade head
exec ../.venv/bin/gunicorn main:app
