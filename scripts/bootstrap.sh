#!/usr/bin/env bash
# Create .venv at the repo root (if missing) and install the pinned dependencies.
# Usage: scripts/bootstrap.sh [dev]   ("dev" adds the test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
files=(backend/requirements.txt)
if [ "${1:-}" = "dev" ]; then
  files+=(backend/requirements-dev.txt)
fi
# Reinstall only when the pins change.
stamp=".venv/.installed-$(cat "${files[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  args=()
  for f in "${files[@]}"; do args+=(-r "$f"); done
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "${args[@]}"
  touch "$stamp"
fi
