"""Gunicorn settings for ``gunicorn main:app`` (run from ``backend/``).

Workers and bind come from ``WEB_CONCURRENCY`` (default 3; 1 on SQLite, whose
live view fans out in one process: :attr:`Settings.workers`) and ``PORT`` (default
8000). The configuration is checked here, in the master, so an unsafe production
setup stops with one line before any worker starts. The worker count is checked
once, as Gunicorn will really start them: here, or in ``on_starting`` when ``-w``
on the command line overrides it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any, NoReturn

from app.config import ConfigError, Settings


def _stop(exc: Exception) -> NoReturn:
    # pydantic's ValidationError names the variable, over several lines: make it one.
    print(f"configuration error: {exc}".replace("\n", "; "), file=sys.stderr)
    sys.exit(1)


try:
    _settings = Settings()
    _settings.check_production()
    _settings.check_workers(_settings.workers)
except (ConfigError, ValueError) as exc:
    _stop(exc)

bind = f"0.0.0.0:{_settings.port}"
workers = _settings.workers
# Uvicorn's worker, without WebSocket compression (see app/realtime/worker.py).
worker_class = "app.realtime.worker.UvicornWorker"
# Import the app once in the master and fork: workers start in milliseconds, not
# each after its own second of imports. (Engines, the realtime hub and database
# connections are made per worker, in the app's lifespan.)
preload_app = True
# SIGTERM: stop accepting, let in-flight requests finish, then exit.
graceful_timeout = 8
timeout = 60
keepalive = 5
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
loglevel = _settings.log_level.lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# prometheus-client's multiprocess mode: every worker writes its samples here.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="initiative-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server: Any) -> None:
    if server.cfg.workers != workers:  # `-w N` on the command line: check that count
        try:
            _settings.check_workers(server.cfg.workers)
        except ConfigError as exc:
            _stop(exc)
    # Samples left by an earlier run would be counted again: start empty.
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    from app.observability.logging import configure_logging

    configure_logging(_settings.log_level)
    # The container's entrypoint asks for the migrations here, in the master, after the
    # app's imports and before any worker forks: one Python start instead of two.
    if os.environ.get("MIGRATE_ON_START", "").lower() in {"1", "true", "yes"}:
        from app.migrate import upgrade_to_head

        try:
            upgrade_to_head(attempts=int(os.environ.get("MIGRATION_ATTEMPTS", "5")))
        except Exception:
            sys.exit(1)


def post_fork(server: Any, worker: Any) -> None:
    # The worker object is built in the master, and Uvicorn's worker points its
    # loggers at Gunicorn's handlers there; route them back to the JSON handler.
    from app.observability.logging import configure_logging

    configure_logging(_settings.log_level)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
