"""The HTTP service against a bare FastAPI + asyncpg baseline, driven by ``wrk``.

    .venv/bin/python bench/http_bench.py [--duration 10] [--rounds 1] [--profile]

Needs ``wrk`` (Debian: ``apt-get install -y wrk``) and PostgreSQL (a scratch database
is created on ``TEST_DATABASE_URL``'s server, default
postgresql://postgres@127.0.0.1:5432/test, and dropped after).

What it does, in one run on one machine:

1. migrates the scratch database and serves the product as production does
   (``gunicorn main:app``, 3 workers, its own gunicorn.conf.py), registers a DM and
   seeds 100 encounters of 10 combatants each, combat started;
2. serves bench/bare_app.py on the same database with the same Gunicorn setup
   (3 workers of the product's worker class, app.realtime.worker, which shares the
   connections out evenly between them): FastAPI + asyncpg, no auth, no validation,
   no rules, in two forms. **Same SQL** (the baseline of the goals, as the issue defines it): on a
   second set of the product's own encounters, the product's own statements
   (``app.encounters.repository``: the lock that checks membership, the one statement
   that appends the event with the state before it, stores the state and its DM view
   and notifies, on a channel nobody listens to; the read statement); **minimal**: its
   own two tables, lock, a small event, the state, ``pg_notify``, and one JSON row for
   a read;
3. drives each, back to back, with ``wrk`` (C, 2 threads, 64 connections,
   ``--duration`` seconds, after a short warm-up): ``POST .../actions`` damage 1 to a
   random combatant of a random encounter, then ``GET`` a random encounter; ``wrk``
   is not the bottleneck, so the rates are the servers' (unlike the Python-client
   benchmarks, whose clients share the two cores with the servers);
4. prints requests/s, p50/p99 for all three, the ratios, and whether the goals of
   issue 14 are met against the same-SQL bare app: action >= 0.6x bare, read >= 0.6x
   bare, p99 <= 2x the bare p99 (and the ratios against the minimal one, which also
   leaves out part of the database's work).
   Also printed: how many of wrk's connections each worker held in each run (the
   p99 follows the largest share; before the workers shared them out, splits such as
   56/4/4 made the p99 a matter of luck), how busy the whole machine was during each
   run (other people's work included) and the servers' CPU milliseconds per request;
   near 100 % busy, rates and latencies measure the queue for the CPU as much as the
   servers, and CPU per request is the steadier comparison.

``--profile`` then runs each load once more while py-spy samples one product worker,
and prints the top frames by share of that worker's samples (by function, own time and
inclusive, and own time by library): where the rest of the time goes.
``--rounds N`` repeats the six runs, interleaved, and reports medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
sys.path.insert(0, str(BACKEND))

from tests.servers import (  # noqa: E402
    BIN_DIR,
    Instance,
    free_port,
    gunicorn_instance,
)

BASE_URL = os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# (tests.conftest reads TEST_DATABASE_URL when imported)
from tests.conftest import create_pg_database, drop_pg_database, migrate  # noqa: E402

GOAL_RATIO = 0.6
GOAL_P99 = 2.0
VERBOSE = False


# --- the servers -------------------------------------------------------------------


@contextmanager
def bare_instance(dsn: str) -> Iterator[Instance]:
    """bench/bare_app.py under Gunicorn with 3 of the product's workers (uvloop, httptools)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN_DIR / "gunicorn"),
            "bare_app:app",
            "-w",
            "3",
            "-k",
            "app.realtime.worker.UvicornWorker",  # the product's, as it is served
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT / "bench",
        env={**os.environ, "BENCH_DSN": dsn, "PYTHONPATH": str(BACKEND)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"bare app exited with {proc.returncode}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{base}/encounters/0", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(base)
            time.sleep(0.1)
        yield Instance(base, proc)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- seeding -----------------------------------------------------------------------


@dataclass
class Seeded:
    token: str
    user_id: str
    encounters: list[tuple[str, list[str]]]  # (encounter id, combatant ids)
    documents: list[str]  # each encounter's GET body, for the bare rows


async def seed(base: str, n_encounters: int, n_combatants: int) -> Seeded:
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        creds = {"email": email, "password": "bench password 123"}
        (await c.post("/api/auth/register", json=creds)).raise_for_status()
        login = await c.post("/api/auth/login", json=creds)
        login.raise_for_status()
        token = login.json()["access_token"]
        c.headers["Authorization"] = f"Bearer {token}"
        user_id = (await c.get("/api/auth/me")).json()["id"]
        campaign = (await c.post("/api/campaigns", json={"name": "Bench"})).json()
        gate = asyncio.Semaphore(8)

        async def one(i: int) -> tuple[str, list[str], str]:
            async with gate:
                r = await c.post(
                    f"/api/campaigns/{campaign['id']}/encounters", json={"name": f"Table {i}"}
                )
                r.raise_for_status()
                eid = r.json()["id"]
                r = await c.post(
                    f"/api/encounters/{eid}/combatants",
                    json={
                        "name": "Troll",
                        "count": n_combatants,
                        "max_hp": 90_000,
                        "ac": 15,
                        "initiative_bonus": 1,
                    },
                )
                r.raise_for_status()
                r = await c.post(f"/api/encounters/{eid}/actions", json={"type": "start_combat"})
                r.raise_for_status()
                ids = [x["id"] for x in r.json()["state"]["combatants"]]
                doc = await c.get(f"/api/encounters/{eid}")
                doc.raise_for_status()
                return eid, ids, doc.text

        done = await asyncio.gather(*(one(i) for i in range(n_encounters)))
    return Seeded(token, user_id, [(e, ids) for e, ids, _ in done], [d for _, _, d in done])


async def seed_bare(dsn: str, documents: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE bench_encounters (id int PRIMARY KEY, version int NOT NULL,"
            " state jsonb NOT NULL)"
        )
        await conn.execute(
            "CREATE TABLE bench_events (id bigserial PRIMARY KEY, encounter_id int NOT NULL,"
            " seq int NOT NULL, data jsonb NOT NULL, UNIQUE (encounter_id, seq))"
        )
        await conn.executemany(
            "INSERT INTO bench_encounters VALUES ($1, 0, $2::jsonb)", list(enumerate(documents))
        )
    finally:
        await conn.close()


# --- wrk ---------------------------------------------------------------------------

LUA = r"""
local paths = {%(paths)s}
local targets = {%(targets)s}
local method = "%(method)s"
local headers = {%(headers)s}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
  local i = math.random(#paths)
  if method == "GET" then
    return wrk.format("GET", paths[i], headers)
  end
  local t = targets[i][math.random(#targets[i])]
  local body = '{"type": "damage", "targets": ["' .. t .. '"], "amount": 1}'
  return wrk.format("POST", paths[i], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%.0f, "duration_us": %%.0f, "p50_us": %%.0f, "p99_us": %%.0f,'
    .. ' "max_us": %%.0f, "connect": %%d, "read": %%d, "write": %%d, "status": %%d,'
    .. ' "timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_str(s: str) -> str:
    return json.dumps(s)  # a JSON string of ASCII is a valid Lua string literal


def write_lua(
    directory: Path,
    name: str,
    method: str,
    paths: list[str],
    targets: list[list[str]],
    headers: dict[str, str],
) -> Path:
    path = directory / f"{name}.lua"
    path.write_text(
        LUA
        % {
            "paths": ", ".join(lua_str(p) for p in paths),
            "targets": ", ".join("{" + ", ".join(lua_str(t) for t in ts) + "}" for ts in targets),
            "method": method,
            "headers": ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()),
        }
    )
    return path


@dataclass
class Run:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    busy: float  # share of the whole machine's CPU in use during the run
    server_cpu: float  # CPU seconds of the server's processes during the run
    cpu_ms: float  # the server's CPU milliseconds per request
    split: list[int]  # wrk's connections held by each worker, mid-run, largest first


def cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def process_cpu(pids: set[int]) -> float:
    ticks = 0
    for pid in pids:
        with suppress(OSError, IndexError, ValueError):
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(parts[11]) + int(parts[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def connections_per_worker(instance: Instance) -> list[int]:
    """The established connections each worker holds (``ss``), largest first: the
    p99 follows the largest share, as a worker's share of the work is its share of
    the connections (app.realtime.worker shares them out evenly)."""
    port = instance.base.rsplit(":", 1)[1]
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
    ).stdout
    counts = Counter(re.findall(r"pid=(\d+)", out))
    return sorted(counts.values(), reverse=True)


def wrk(instance: Instance, script: Path, seconds: float, threads: int, connections: int) -> Run:
    pids = instance.worker_pids() | {instance.proc.pid}
    busy0, total0 = cpu_times()
    cpu0 = process_cpu(pids)
    proc = subprocess.Popen(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            instance.base,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(seconds / 2)
    split = connections_per_worker(instance)
    out, _ = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, "wrk", out)
    busy1, total1 = cpu_times()
    cpu1 = process_cpu(pids)
    match = re.search(r"^WRK_JSON (.*)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary from wrk:\n{out}")
    s = json.loads(match.group(1))
    if VERBOSE:
        print(out)
    errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
    return Run(
        rate=s["requests"] / (s["duration_us"] / 1e6),
        p50_ms=s["p50_us"] / 1000,
        p99_ms=s["p99_us"] / 1000,
        errors=errors,
        busy=(busy1 - busy0) / max(1, total1 - total0),
        server_cpu=cpu1 - cpu0,
        cpu_ms=1000 * (cpu1 - cpu0) / max(1, s["requests"]),
        split=split,
    )


# --- the profile -------------------------------------------------------------------

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def library(file: str) -> str:
    """The package of a frame's file: py-spy prints paths relative to sys.path."""
    if not file.startswith("/"):
        parts = file.split("/")
        return "/".join(parts[:2]) if parts[0] == "app" and len(parts) > 2 else parts[0]
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/backend/app/" in file or file.startswith("app/"):
        parts = file.split("app/", 1)[1].split("/")
        return "app/" + parts[0].removesuffix(".py")
    if "/lib/python" in file:
        rest = file.split("/lib/python", 1)[1].split("/", 1)[-1]
        return "stdlib/" + rest.split("/", 1)[0].removesuffix(".py")
    return file


def print_profile(raw: Path, load: str, top: int = 15) -> None:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    libs: Counter[str] = Counter()
    libs_inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        names = []
        for frame in stack.split(";"):
            m = FRAME.match(frame)
            if m is None:
                continue
            short = m.group("file").rsplit("site-packages/", 1)[-1].rsplit("/backend/", 1)[-1]
            names.append((f"{m.group('func')} ({short})", library(m.group("file"))))
        if not names or names[-1][0].startswith("_worker (concurrent/futures/thread.py"):
            # No frames, or an idle executor thread waiting for work (asyncio's default
            # executor, started by a DNS lookup): py-spy cannot tell that wait is idle.
            continue
        total += count
        own[names[-1][0]] += count
        libs[names[-1][1]] += count
        for name in {n for n, lib in names if lib.startswith("app/")}:
            inclusive[name] += count
        for lib in {lib for _, lib in names}:
            libs_inclusive[lib] += count
    if not total:
        print("profile: no samples (py-spy needs ptrace rights on the worker)")
        return
    print(
        f"\nprofile of one product worker under the {load} load: {total} samples"
        " (py-spy, 100 Hz, idle left out as far as py-spy can tell; uvloop's own"
        " waiting shows as asyncio/runners.py)"
    )
    print("own time by library:")
    for name, count in libs.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("own time by function:")
    for name, count in own.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("inclusive time by library (a sample counts for every library on its stack):")
    for name, count in libs_inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("inclusive time by function of the app:")
    for name, count in inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {name}")


def profile(
    instance: Instance, script: Path, load: str, seconds: float, args: argparse.Namespace
) -> None:
    spy = BIN_DIR / "py-spy"
    if not spy.exists() and shutil.which("py-spy") is None:
        print("--profile: py-spy is not installed (pip install -r requirements-dev.txt)")
        return
    pid = min(instance.worker_pids())
    with tempfile.TemporaryDirectory() as d:
        raw = Path(d) / "profile.txt"
        spy_proc = subprocess.Popen(
            [
                str(spy if spy.exists() else "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(seconds))),
                "--rate",
                "100",
                "--format",
                "raw",
                "--nolineno",
                *(["--native"] if args.native else []),
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.5)
        wrk(instance, script, seconds, 1, args.profile_connections or args.connections)
        _, err = spy_proc.communicate(timeout=seconds + 60)
        if not raw.exists():
            print(f"profile: py-spy failed: {err.strip()[-500:]}")
            return
        print_profile(raw, load)
        if args.keep_profile:
            Path(args.keep_profile).mkdir(parents=True, exist_ok=True)
            kept = Path(args.keep_profile) / f"profile-{load}.txt"
            shutil.copy(raw, kept)
            print(f"(py-spy's raw stacks kept in {kept})")


# --- the run -----------------------------------------------------------------------


def report(results: dict[str, list[Run]], args: argparse.Namespace) -> None:
    def med(key: str, attr: str) -> float:
        return float(statistics.median(getattr(r, attr) for r in results[key]))

    print(
        f"\nwrk: {args.threads} threads, {args.connections} connections, {args.duration:g} s"
        f" per run, {args.rounds} round(s) (medians); {args.encounters} encounters of"
        f" {args.combatants}; 3 workers each; load average now"
        f" {Path('/proc/loadavg').read_text().split()[0]} on {os.cpu_count()} cores"
    )
    print(
        f"{'run':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'busy':>7}"
        f"{'cpu ms/req':>12}  connections per worker (each run)"
    )
    labels = {
        "act": "POST actions: service",
        "same_act": "POST actions: bare, same SQL",
        "bare_act": "POST actions: bare, minimal",
        "read": "GET encounter: service",
        "same_read": "GET encounter: bare, same SQL",
        "bare_read": "GET encounter: bare, minimal",
    }
    for key, label in labels.items():
        if key not in results:
            continue
        print(
            f"{label:<28}{med(key, 'rate'):>9.0f}{med(key, 'p50_ms'):>9.1f}"
            f"{med(key, 'p99_ms'):>9.1f}{sum(r.errors for r in results[key]):>8}"
            f"{100 * med(key, 'busy'):>6.0f}%{med(key, 'cpu_ms'):>12.2f}  "
            + " ".join("/".join(map(str, r.split)) for r in results[key])
        )
    goals = []
    costs: list[str] = []
    minimal: list[str] = []
    for name, ours, same, bare in (
        ("action", "act", "same_act", "bare_act"),
        ("read", "read", "same_read", "bare_read"),
    ):
        if ours not in results:
            continue
        ratio = med(ours, "rate") / med(same, "rate")
        p99 = med(ours, "p99_ms") / med(same, "p99_ms")
        goals.append((f"{name} rate >= {GOAL_RATIO}x bare", ratio, ratio >= GOAL_RATIO))
        goals.append((f"{name} p99 <= {GOAL_P99:g}x bare p99", p99, p99 <= GOAL_P99))
        cost = med(ours, "cpu_ms") / med(same, "cpu_ms")
        costs.append(f"{name} {cost:.1f}x")
        minimal.append(
            f"{name} rate {med(ours, 'rate') / med(bare, 'rate'):.2f}x, p99"
            f" {med(ours, 'p99_ms') / med(bare, 'p99_ms'):.2f}x, CPU per request"
            f" {med(ours, 'cpu_ms') / med(bare, 'cpu_ms'):.1f}x"
        )
    print("\ngoals (issue 14), against the bare app running the product's own SQL")
    for label, value, met in goals:
        print(f"  {label:<32}{value:>6.2f}x  {'met' if met else 'MISSED'}")
    print(
        "  server CPU per request, service / bare: "
        + ", ".join(costs)
        + " (on a busy machine the steadier figure: the rate ratio tends to 1 / this)"
    )
    print(
        "against the minimal bare app (its own two tables, a small event, no state before"
        " it, no DM view, no membership check): " + "; ".join(minimal)
    )
    if any(not met for *_, met in goals) and not args.profile:
        print("  (--profile shows where a product worker's time goes)")
    if max(med(key, "busy") for key in results) > 0.9:
        print(
            "note: the machine was over 90 % busy during the runs: the figures include the"
            " queue for the CPU; compare ratios from one run, not absolute rates across runs"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, once per target")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--encounters", type=int, default=100)
    parser.add_argument("--combatants", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="py-spy one worker after")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output")
    parser.add_argument(
        "--native", action="store_true", help="--profile with C frames (py-spy --native)"
    )
    parser.add_argument(
        "--profile-connections",
        type=int,
        metavar="N",
        help="wrk's connections while profiling (default: --connections). Below the"
        " cores' saturation, py-spy's samples are time on the CPU; at 64 they also count"
        " time spent runnable, waiting for a core",
    )
    parser.add_argument("--keep-profile", metavar="DIR", help="keep py-spy's raw stacks here")
    parser.add_argument(
        "--only", choices=("act", "read"), help="run only the actions or only the reads"
    )
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install -y wrk)")

    dsn = await create_pg_database("bench_http")
    try:
        await migrate(dsn)
        with (
            gunicorn_instance(dsn, workers=3) as ours,
            tempfile.TemporaryDirectory() as tmp,
        ):
            seeded = await seed(ours.base, args.encounters, args.combatants)
            # The same again, another DM's, for the bare app's own-SQL routes.
            same = await seed(ours.base, args.encounters, args.combatants)
            await seed_bare(dsn, seeded.documents)
            with bare_instance(dsn) as bare:
                d = Path(tmp)
                targets = [ids for _, ids in seeded.encounters]
                auth = {"Authorization": f"Bearer {seeded.token}"}
                json_h = {"Content-Type": "application/json"}
                eids = [e for e, _ in seeded.encounters]
                same_ids = [e for e, _ in same.encounters]
                rows = range(len(eids))
                scripts = {
                    "act": (
                        ours,
                        write_lua(
                            d,
                            "act",
                            "POST",
                            [f"/api/encounters/{e}/actions" for e in eids],
                            targets,
                            {**auth, **json_h},
                        ),
                    ),
                    "bare_act": (
                        bare,
                        write_lua(
                            d,
                            "bare_act",
                            "POST",
                            [f"/encounters/{i}/actions" for i in rows],
                            targets,
                            json_h,
                        ),
                    ),
                    "same_act": (
                        bare,
                        write_lua(
                            d,
                            "same_act",
                            "POST",
                            [f"/same/encounters/{e}/actions?u={same.user_id}" for e in same_ids],
                            [ids for _, ids in same.encounters],
                            json_h,
                        ),
                    ),
                    "read": (
                        ours,
                        write_lua(
                            d, "read", "GET", [f"/api/encounters/{e}" for e in eids], [], auth
                        ),
                    ),
                    "bare_read": (
                        bare,
                        write_lua(
                            d, "bare_read", "GET", [f"/encounters/{i}" for i in rows], [], {}
                        ),
                    ),
                    "same_read": (
                        bare,
                        write_lua(
                            d,
                            "same_read",
                            "GET",
                            [f"/same/encounters/{e}?u={same.user_id}" for e in same_ids],
                            [],
                            {},
                        ),
                    ),
                }
                if args.only is not None:
                    scripts = {k: v for k, v in scripts.items() if k.endswith(args.only)}
                if args.warmup > 0:
                    for inst, script in scripts.values():
                        wrk(inst, script, args.warmup, args.threads, args.connections)
                results: dict[str, list[Run]] = {k: [] for k in scripts}
                for _ in range(args.rounds):
                    for key, (inst, script) in scripts.items():
                        results[key].append(
                            wrk(inst, script, args.duration, args.threads, args.connections)
                        )
                report(results, args)
                if args.profile:
                    for key, load in (("act", "action"), ("read", "read")):
                        if key in scripts:
                            profile(ours, scripts[key][1], load, args.duration, args)
    finally:
        await drop_pg_database(dsn)


if __name__ == "__main__":
    asyncio.run(main())
