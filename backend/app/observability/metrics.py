"""Prometheus metrics, correct across Gunicorn workers.

Under Gunicorn, ``gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` before
any worker imports this module, so every worker writes its samples to shared
files and :func:`render` aggregates them. Without it (a single Uvicorn
process, the tests) the default in-process registry is used.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests handled, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "HTTP requests being handled now.",
    multiprocess_mode="livesum",
)
WEBSOCKETS_OPEN = Gauge(
    "websocket_connections_open",
    "WebSocket connections open now, by audience (dm, player).",
    ["audience"],
    multiprocess_mode="livesum",
)
WEBSOCKETS_DROPPED = Counter(
    "websocket_dropped_total",
    "WebSocket connections aborted for not reading, by audience and reason (stalled:"
    " one send unfinished too long; backlog: its queue overflowed twice).",
    ["audience", "reason"],
)
ACTIONS_APPLIED = Counter(
    "encounter_actions_applied_total",
    "Combat actions applied to encounters, by action type.",
    ["type"],
)
EVENTS_BROADCAST = Counter(
    "encounter_events_broadcast_total",
    "Encounter changes sent to live subscribers, by audience.",
    ["audience"],
)


def render() -> tuple[bytes, str]:
    """The exposition text for every worker (or this process) and its content type."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        # Process metrics are per worker; report this worker's beside the aggregate.
        from prometheus_client import ProcessCollector

        ProcessCollector(registry=registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
