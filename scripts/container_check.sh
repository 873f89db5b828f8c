#!/usr/bin/env bash
# Build backend/Dockerfile (unchanged) with Podman and run the image for real against a
# PostgreSQL server, checking the runtime contract of the container:
#
#   - /api/health answers 200 with the database ok within MAX_START_S (5 s) of `podman run`
#   - the server is PID 1 (the entrypoint exec'd it), runs as uid 1000, user `appuser`,
#     with WEB_CONCURRENCY workers
#   - the image has a HEALTHCHECK and `podman healthcheck run` passes
#   - the entrypoint applied the migrations (alembic_version holds the image's head revision)
#   - two containers started at once on one fresh database both come up (advisory lock)
#   - SIGTERM (`podman stop -t 10`) stops it gracefully within MAX_STOP_S (10 s)
#   - the runtime image holds no C compiler
#   - the image is at most MAX_IMAGE_MB (200 MB)
# and first runs scripts/lint_deploy.sh (hadolint, compose and workflow schemas) unless
# SKIP_LINT=1.
#
# Made for a Debian bookworm machine as root with no Docker engine and no container registry
# (CONTAINER_CHECK_BASE=debootstrap, the default): the `python:3.11-slim` base image is built
# locally with debootstrap from the Debian mirror apt already uses and cached in $WORK. Where a
# registry is reachable (GitHub Actions), CONTAINER_CHECK_BASE=pull uses the real image instead.
# Podman's storage and configuration live under $WORK; nothing else on the machine changes
# except apt packages it installs when missing (podman, runc, debootstrap, ...).
#
# PostgreSQL: PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1:5432, postgres, no password).
# A fresh database is created for the run and dropped at the end, as are the containers.
#
# usage: sudo scripts/container_check.sh        (idempotent; about 1-3 minutes)
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/tmp/initiative-container-check}
BASE_MODE=${CONTAINER_CHECK_BASE:-debootstrap}   # debootstrap | pull
PYTHON_VERSION=${PYTHON_VERSION:-3.11}           # the Dockerfile's default
IMAGE=${IMAGE:-localhost/initiative-backend:check}
MAX_START_S=${MAX_START_S:-5}
MAX_STOP_S=${MAX_STOP_S:-10}
MAX_IMAGE_MB=${MAX_IMAGE_MB:-200}
WORKERS=${WEB_CONCURRENCY:-2}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
PGPASSWORD=${PGPASSWORD:-}
[ -n "$PGPASSWORD" ] && export PGPASSWORD
PREFIX=initiative-check                           # container names: $PREFIX-<pid>-<role>
DB_PREFIX=container_check                          # databases:       $DB_PREFIX_<pid>_<rand>

T0=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'CONTAINER CHECK FAILED: %s\n' "$*" >&2; exit 1; }
# podman without systemd warns on every run/stop that it cannot add the healthcheck timer;
# `podman healthcheck run` still works, so that one line is noise.
quiet_systemd() { grep -v 'systemd connection' >&2 || true; }

[ "$(id -u)" = 0 ] || fail "run as root (apt, rootful podman): sudo $0"
[ "$BASE_MODE" = debootstrap ] || [ "$BASE_MODE" = pull ] \
    || fail "CONTAINER_CHECK_BASE must be debootstrap or pull, not '$BASE_MODE'"

# --- 0. static checks ---------------------------------------------------------------------
if [ "${SKIP_LINT:-0}" != 1 ]; then
    step "lint: hadolint, compose and workflow schemas"
    bash "$ROOT/scripts/lint_deploy.sh"
fi

# --- 1. tools -----------------------------------------------------------------------------
step "tools"
T=$EPOCHREALTIME
# command -> Debian package; checked by command so that a runc or psql from another package
# (Docker's containerd.io ships runc) is used as it is instead of replaced.
declare -A pkg_of=([podman]=podman [runc]=runc [newuidmap]=uidmap [fuse-overlayfs]=fuse-overlayfs
    [slirp4netns]=slirp4netns [psql]=postgresql-client [pg_isready]=postgresql-client [curl]=curl)
[ "$BASE_MODE" = debootstrap ] && pkg_of[debootstrap]=debootstrap
missing=()
for cmd in "${!pkg_of[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "[time] tools: $(since "$T") s"

# --- 2. podman configuration confined to $WORK -------------------------------------------
mkdir -p "$WORK"/{storage,runroot,tmp}
cat > "$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOF
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
{
    echo '[containers]'
    # No CAP_SYS_RESOURCE on these VMs: podman's rootful default rlimits
    # (nofile=1048576, nproc=4194304) fail with "setrlimit ... Operation not permitted".
    echo 'default_ulimits = ["nofile=20000:20000", "nproc=16384:16384"]'
    # The host's CA bundle, bind-mounted into every RUN step and container (never committed to
    # a layer), for networks whose HTTPS proxy re-signs with its own CA.
    [ -f "$CA_BUNDLE" ] && echo "volumes = [\"$CA_BUNDLE:$CA_BUNDLE:ro\"]"
    echo '[engine]'
    # crun 1.8 (bookworm) refuses hybrid cgroups; runc works everywhere.
    echo 'runtime = "runc"'
    echo 'cgroup_manager = "cgroupfs"'
    echo 'events_logger = "file"'
} > "$WORK/containers.conf"
if [ "$BASE_MODE" = debootstrap ]; then
    # Nothing is pullable here: fail at once, locally, instead of waiting on the network.
    cat > "$WORK/registries.conf" <<'EOF'
unqualified-search-registries = []
[[registry]]
location = "docker.io"
blocked = true
[[registry]]
location = "quay.io"
blocked = true
[[registry]]
location = "ghcr.io"
blocked = true
EOF
else
    echo 'unqualified-search-registries = ["docker.io"]' > "$WORK/registries.conf"
fi
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
export CONTAINERS_CONF="$WORK/containers.conf"
export CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf"
export TMPDIR="$WORK/tmp"
podman info --format 'podman {{.Version.Version}} runtime={{.Host.OCIRuntime.Name}} driver={{.Store.GraphDriverName}} cgroups={{.Host.CgroupManager}}/{{.Host.CgroupsVersion}}'

# --- 3. leftovers of an interrupted earlier run --------------------------------------------
psql_q() { psql -X -v ON_ERROR_STOP=1 -d postgres -tAc "$1"; }
pg_isready -q -t 5 || fail "PostgreSQL is not answering on $PGHOST:$PGPORT (PGHOST/PGPORT/PGUSER/PGPASSWORD)"
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
while read -r c; do
    [ -n "$c" ] || continue
    pid=${c#"$PREFIX"-}; pid=${pid%%-*}
    alive "$pid" || podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
done < <(podman ps -a --format '{{.Names}}' | grep "^$PREFIX-" || true)
while read -r d; do
    [ -n "$d" ] || continue
    pid=${d#"$DB_PREFIX"_}; pid=${pid%%_*}
    alive "$pid" || psql_q "drop database if exists \"$d\" with (force)" >/dev/null
done < <(psql_q "select datname from pg_database where datname like '${DB_PREFIX}\_%'")

# --- 4. the base image ---------------------------------------------------------------------
step "base image python:$PYTHON_VERSION-slim ($BASE_MODE)"
T=$EPOCHREALTIME
if [ "$BASE_MODE" = pull ]; then
    podman pull -q "docker.io/library/python:$PYTHON_VERSION-slim" >/dev/null
else
    BASE_TAG=localhost/python:$PYTHON_VERSION-slim
    # Bump when the recipe below changes: a cached base of another recipe is rebuilt.
    BASE_RECIPE=2
    [ "$PYTHON_VERSION" = 3.11 ] || fail "the debootstrap base is bookworm's Python 3.11 only (got PYTHON_VERSION=$PYTHON_VERSION; use CONTAINER_CHECK_BASE=pull)"
    have=$(podman image inspect --format '{{index .Labels "initiative.base-recipe"}}' "$BASE_TAG" 2>/dev/null || true)
    if [ "${REBUILD_BASE:-0}" != 1 ] && [ "$have" = "$BASE_RECIPE" ]; then
        echo "reusing $BASE_TAG (REBUILD_BASE=1 to rebuild)"
    else
        podman rmi -f "$IMAGE" "$BASE_TAG" >/dev/null 2>&1 || true
        os_id=$(sed -n 's/^ID=//p' /etc/os-release | tr -d '"')
        # the Debian mirror apt on this machine already uses (deb.debian.org elsewhere)
        if [ "$os_id" = debian ]; then
            MIRROR=${MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
            MIRROR=${MIRROR:-$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null)}
        fi
        MIRROR=${MIRROR:-http://deb.debian.org/debian}
        R="$WORK/rootfs"
        rm -rf "$R"
        echo "debootstrap bookworm from $MIRROR"
        debootstrap --variant=minbase \
            --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
            bookworm "$R" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
            || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed (log: $WORK/debootstrap.log)"; }
        # Make it behave like debian:bookworm-slim, which python:3.11-slim is built on: no
        # docs, man pages or translations installed by later apt-get installs, no apt caches
        # or downloaded .debs left in layers (the same settings the official image ships).
        cat > "$R/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
CFG
        cat > "$R/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
        echo 'Acquire::Languages "none";' > "$R/etc/apt/apt.conf.d/docker-no-languages"
        echo 'Acquire::GzipIndexes "true";' > "$R/etc/apt/apt.conf.d/docker-gzip-indexes"
        # Slim what debootstrap left; drop the PEP 668 marker so `pip install` works
        # system-wide as it does in python:3.11-slim.
        rm -rf "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* \
            "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/var/log/* "$R"/tmp/*
        find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
        find "$R"/usr/lib/python3* -name __pycache__ -type d -prune -exec rm -rf {} +
        rm -f "$R"/usr/lib/python3.*/EXTERNALLY-MANAGED
        tar --numeric-owner --xattrs -C "$R" -cf "$WORK/base-rootfs.tar" .
        podman import -q \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV LANG=C.UTF-8' \
            --change "LABEL initiative.base-recipe=$BASE_RECIPE" \
            --change 'CMD ["python3"]' \
            "$WORK/base-rootfs.tar" "$BASE_TAG" >/dev/null
        rm -rf "$R" "$WORK/base-rootfs.tar"
    fi
    podman image inspect --format 'base image: {{.Size}} bytes' "$BASE_TAG"
fi
echo "[time] base image: $(since "$T") s"

# --- 5. build the Dockerfile as it is -------------------------------------------------------
step "build backend/Dockerfile -> $IMAGE"
T=$EPOCHREALTIME
# --format docker: the OCI format drops HEALTHCHECK.  --pull=never: FROM python:3.11-slim is
# the local base.  --network host: RUN steps reach the Debian mirror and PyPI like the host.
podman build --format docker --pull=never --network host \
    --build-arg "PYTHON_VERSION=$PYTHON_VERSION" \
    -f "$ROOT/backend/Dockerfile" -t "$IMAGE" "$ROOT/backend" > "$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; fail "podman build failed (log: $WORK/build.log)"; }
grep -E 'STEP [0-9]|COMMIT|Using cache' "$WORK/build.log" | cut -c1-110 || true
BUILD_S=$(since "$T")
echo "[time] build: $BUILD_S s"
podman image prune -f >/dev/null 2>&1 || true   # the previous run's untagged image

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
SIZE_MB=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
echo "image size: $SIZE_MB MB ($size bytes)"
podman history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | cut -c1-120 | head -20

# --- 6. run it against a fresh database ----------------------------------------------------
NAMES=()
DBS=()
cleanup() {
    local c d
    for c in "${NAMES[@]}"; do podman rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
    for d in "${DBS[@]}"; do psql_q "drop database if exists \"$d\" with (force)" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_db() {  # new_db VAR: create a fresh database, name in $VAR, dropped on exit
    local d
    d="${DB_PREFIX}_$$_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    DBS+=("$d")
    psql_q "create database \"$d\"" >/dev/null
    printf -v "$1" '%s' "$d"
}
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
free_port() {
    local p=$1
    while port_busy "$p" || [[ " ${TAKEN_PORTS:-} " == *" $p "* ]]; do p=$((p + 1)); done
    TAKEN_PORTS="${TAKEN_PORTS:-} $p"
    echo "$p"
}
db_url() {
    local auth=$PGUSER
    [ -n "$PGPASSWORD" ] && auth="$PGUSER:$PGPASSWORD"
    echo "postgresql://$auth@$PGHOST:$PGPORT/$1"
}
JWT_SECRET_VALUE=$(head -c 36 /dev/urandom | base64 | tr '+/' '-_')   # 48 characters
start() {  # start NAME PORT DB
    NAMES+=("$1")
    podman run -d --name "$1" --network host \
        -e "DATABASE_URL=$(db_url "$3")" \
        -e "JWT_SECRET=$JWT_SECRET_VALUE" \
        -e ENVIRONMENT=production \
        -e "WEB_CONCURRENCY=$WORKERS" \
        -e "PORT=$2" \
        "$IMAGE" > /dev/null 2> >(quiet_systemd)
}
# wait_healthy NAME PORT LIMIT_S: print the seconds until /api/health said 200 with the
# database ok; give up (return 1) after LIMIT_S.
wait_healthy() {
    local t=$EPOCHREALTIME body
    while :; do
        if body=$(curl -fsS --max-time 1 "http://127.0.0.1:$2/api/health" 2>/dev/null) \
            && printf '%s' "$body" | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(not (d.get("status") == "ok" and d.get("database") == "ok"))'; then
            since "$t"; echo " $body" >&2; return 0
        fi
        [ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] || return 1
        awk -v a="$t" -v b="$EPOCHREALTIME" -v l="$3" 'BEGIN { exit !(b - a > l) }' && return 1
        sleep 0.1
    done
}

step "run (production settings, $WORKERS workers, fresh database)"
new_db DB
PORT=$(free_port 18080)
NAME=$PREFIX-$$-main
echo "database $DB, port $PORT, container $NAME"
T=$EPOCHREALTIME
start "$NAME" "$PORT" "$DB"
if ! wait_healthy "$NAME" "$PORT" 60 >/dev/null; then
    podman logs "$NAME" 2>&1 | tail -40 >&2
    fail "/api/health never answered 200 with the database ok (container logs above)"
fi
START_S=$(since "$T")
echo "start-up to healthy: $START_S s (limit $MAX_START_S s; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs)"
awk -v s="$START_S" -v l="$MAX_START_S" 'BEGIN { exit !(s <= l) }' \
    || fail "start-up to healthy took $START_S s, over $MAX_START_S s"

step "process, user, workers"
pid1=$(podman exec "$NAME" cat /proc/1/cmdline | tr '\0' ' ')
echo "PID 1: $pid1"
[[ "$pid1" == *gunicorn* ]] || fail "PID 1 is not gunicorn ('$pid1'): the entrypoint must exec the server"
uid=$(podman exec "$NAME" id -u)
echo "uid: $uid"
[ "$uid" = 1000 ] || fail "the server runs as uid $uid, not 1000"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
echo "image User: $user"
[ "$user" = appuser ] || fail "image User is '$user', not appuser"
# shellcheck disable=SC2016 # $p is expanded inside the container
workers=$(podman exec "$NAME" sh -c 'n=0; for p in /proc/[0-9]*; do [ "$(awk "/^PPid:/ {print \$2}" "$p/status" 2>/dev/null)" = 1 ] && n=$((n + 1)); done; echo "$n"')
echo "gunicorn workers: $workers (WEB_CONCURRENCY=$WORKERS)"
[ "$workers" = "$WORKERS" ] || fail "expected $WORKERS worker processes under PID 1, found $workers"

step "HEALTHCHECK"
hc=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
echo "$hc"
{ [ "$hc" != null ] && [ -n "$hc" ]; } || fail "the image has no HEALTHCHECK (built with --format docker?)"
[[ "$hc" == *'"Interval":30000000000'* && "$hc" == *'"Timeout":10000000000'* && "$hc" == *'"StartPeriod":40000000000'* && "$hc" == *'"Retries":3'* ]] \
    || fail "HEALTHCHECK is not --interval=30s --timeout=10s --start-period=40s --retries=3"
podman healthcheck run "$NAME" 2> >(quiet_systemd) || fail "podman healthcheck run: unhealthy"
echo "podman healthcheck run: healthy"

step "migrations"
rev=$(psql -X -d "$DB" -tAc 'select version_num from alembic_version order by 1' 2>&1) \
    || fail "no alembic_version table in $DB: the entrypoint did not run the migrations ($rev)"
heads=$(podman exec "$NAME" alembic heads 2>/dev/null | awk '{ print $1 }' | sort | tr '\n' ' ')
echo "database revision: ${rev//$'\n'/ }   image heads: $heads"
[ -n "$rev" ] || fail "alembic_version is empty"
[ "$(printf '%s\n' "$rev" | sort | tr '\n' ' ')" = "$heads" ] \
    || fail "database at '${rev//$'\n'/ }' but the image's head is '$heads'"

step "PostgreSQL client tools in the image"
# shellcheck disable=SC2016 # expanded inside the container
podman exec "$NAME" sh -c 'pg_isready -d "$DATABASE_URL" && psql --version && pg_dump --version && psql "$DATABASE_URL" -tAc "select 1"' \
    || fail "pg_isready/psql/pg_dump do not work in the image"

step "logs (one JSON object per line)"
podman logs "$NAME" > "$WORK/run.log" 2>&1 || true
tail -n 3 "$WORK/run.log" | cut -c1-200
python3 - "$WORK/run.log" <<'EOF' || echo "WARN: some log lines are not JSON (see $WORK/run.log)"
import json, sys
bad = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line or "systemd connection" in line:
        continue
    try:
        json.loads(line)
    except ValueError:
        bad.append(line)
for line in bad[:5]:
    print("  not JSON:", line[:160])
sys.exit(1 if bad else 0)
EOF

step "SIGTERM"
T=$EPOCHREALTIME
podman stop -t "$MAX_STOP_S" "$NAME" > /dev/null 2> >(quiet_systemd)
STOP_S=$(since "$T")
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
echo "stopped in $STOP_S s, exit code $code"
podman logs --tail 3 "$NAME" 2>&1 | cut -c1-200
awk -v s="$STOP_S" -v l="$MAX_STOP_S" 'BEGIN { exit !(s < l) }' \
    || fail "podman stop took $STOP_S s: SIGTERM did not stop the server (killed at $MAX_STOP_S s)"
[ "$code" = 0 ] || fail "exit code $code after SIGTERM, expected 0 (graceful)"

step "two containers at once on one fresh database"
new_db DB2
P1=$(free_port $((PORT + 1)))
P2=$(free_port $((P1 + 1)))
start "$PREFIX-$$-a" "$P1" "$DB2" &
start "$PREFIX-$$-b" "$P2" "$DB2" &
wait
NAMES+=("$PREFIX-$$-a" "$PREFIX-$$-b")
while read -r which port; do
    if ! s=$(wait_healthy "$PREFIX-$$-$which" "$port" 60 2>/dev/null); then
        podman logs "$PREFIX-$$-$which" 2>&1 | tail -30 >&2
        fail "container $which of two started together never became healthy (logs above)"
    fi
    echo "container $which healthy $s s after the first check began"
done <<< "a $P1
b $P2"
rows=$(psql -X -d "$DB2" -tAc 'select count(*) from alembic_version')
[ "$rows" = "$(wc -w <<< "$heads")" ] || fail "alembic_version has $rows rows after concurrent start"
echo "alembic_version: $rows row(s), both served"
podman rm -f -t 10 "$PREFIX-$$-a" "$PREFIX-$$-b" > /dev/null 2> >(quiet_systemd)

step "command override: uvicorn main:app --reload (the development form)"
P3=$(free_port $((P2 + 1)))
DEV=$PREFIX-$$-dev
NAMES+=("$DEV")
podman run -d --name "$DEV" --network host \
    -e "DATABASE_URL=$(db_url "$DB2")" -e ENVIRONMENT=development -e "PORT=$P3" \
    "$IMAGE" uvicorn main:app --reload --host 127.0.0.1 --port "$P3" > /dev/null 2> >(quiet_systemd)
if ! s=$(wait_healthy "$DEV" "$P3" 60 2>/dev/null); then
    podman logs "$DEV" 2>&1 | tail -30 >&2
    fail "the image did not serve with its command overridden by uvicorn --reload (logs above)"
fi
echo "uvicorn --reload healthy after $s s; PID 1: $(podman exec "$DEV" cat /proc/1/cmdline | tr '\0' ' ')"
podman rm -f -t 10 "$DEV" > /dev/null 2> >(quiet_systemd)

step "no compiler in the runtime image"
cc=$(podman run --rm --network none --entrypoint sh "$IMAGE" \
    -c 'command -v gcc || command -v cc || command -v c++ || ls /usr/bin/*-gcc-[0-9]* 2>/dev/null || true' \
    2> >(quiet_systemd))
[ -z "$cc" ] || fail "a compiler is in the runtime image: $cc"
echo "none"

step "image size"
echo "$SIZE_MB MB (limit $MAX_IMAGE_MB MB)"
awk -v s="$size" -v l="$MAX_IMAGE_MB" 'BEGIN { exit !(s <= l * 1e6) }' \
    || fail "image is $SIZE_MB MB, over $MAX_IMAGE_MB MB"

cleanup
trap - EXIT
printf '\nimage %s MB | build %s s | start-up to healthy %s s | stop %s s | total %s s\n' \
    "$SIZE_MB" "$BUILD_S" "$START_S" "$STOP_S" "$(since "$T0")"
echo "CONTAINER CHECK PASSED"
