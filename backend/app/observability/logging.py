"""Structured logging: one JSON object per line on stdout.

structlog renders our own records and, through the standard library bridge,
Gunicorn's and Uvicorn's. Values under keys that look secret are masked, so a
password or token can never reach the log even by mistake.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = ("password", "token", "secret", "authorization", "cookie", "jwt")

# Secrets that can ride in a URL: player-view tokens in paths, access tokens in
# WebSocket query strings (Uvicorn logs "WebSocket <path>" lines with both).
_URL_SECRETS = (
    (re.compile(r"(/api/public/encounters/)[^/\s?\"']+"), r"\1{token}"),
    (re.compile(r"(/play/)[^/\s?\"']+"), r"\1{token}"),
    # Refused by the DM socket, but logged by Uvicorn before it is refused.
    (re.compile(r"((?:access(?:_|%5f))?token=)[^&\s\"']+", re.IGNORECASE), r"\1***"),
)


def scrub(text: str) -> str:
    for pattern, replacement in _URL_SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _ScrubUrls(logging.Filter):
    """Rewrites a record's message so URL-borne tokens never reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _mask_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    for key in list(event):
        if any(s in key.lower() for s in SECRET_KEYS):
            event[key] = "***"
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _mask_secrets,
]


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is now (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    """Route structlog and stdlib logging through one JSON renderer (idempotent)."""
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = _StdoutHandler()
    handler.addFilter(_ScrubUrls())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Our access line replaces Uvicorn's; its error log goes through the JSON handler.
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    for name in ("uvicorn.access", "gunicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = False
        lg.disabled = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)


_access = logging.getLogger("app.access")


def log_access(request_id: str, method: str, route: str, status: int, duration_ms: float) -> None:
    """The access line of one request, exactly as the structlog chain renders it (the
    same keys, in the same order), but written directly: every request writes one, and
    the chain (a stdlib record, the URL filter, the formatter) cost more than a simple
    request's own work. Nothing in it is secret: the route is a template, never a path.
    """
    if not _access.isEnabledFor(logging.INFO):
        return
    line = json.dumps(
        {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "event": "request",
            "request_id": request_id,
            "level": "info",
            "logger": "app.access",
            "timestamp": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        }
    )
    stream = sys.stdout
    stream.write(line + "\n")
    stream.flush()  # as the handler does: one line out per request, at once
