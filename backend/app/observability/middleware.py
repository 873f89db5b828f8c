"""The outermost ASGI middleware, which every request passes: request id, access log,
metrics, security headers (and, for a WebSocket, a hook the realtime hub uses).

It is plain ASGI (not ``BaseHTTPMiddleware``) so it adds little to each
request and leaves WebSockets streaming untouched.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_JSON, TYPE_BASE
from app.observability import metrics
from app.observability.logging import get_logger, log_access

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

log = get_logger("app.access")


def route_template(scope: Scope) -> str:
    """The matched route's template ("/api/encounters/{encounter_id}"), never the raw
    path, so metrics stay low-cardinality; unmatched requests share one label."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class ObservabilityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts: bool = False,
        debug: bool = False,
        on_websocket: Callable[[Scope, Send], None] | None = None,
    ) -> None:
        self.app = app
        self.debug = debug
        # Outermost, so it sees the server's own ``send``: the realtime hub keeps
        # what it needs to abort a stalled socket (app.realtime.hub.remember_abort).
        self.on_websocket = on_websocket
        # Each (method, route, status)'s metric children: ``labels()`` checks and
        # looks its values up under a lock on every call.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.security_headers: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts:
            self.security_headers.append(
                (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if scope["type"] == "websocket":
            if self.on_websocket is not None:
                self.on_websocket(scope, send)
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        status = 500
        rid = request_id.encode()

        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, rid))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in self.security_headers if h[0] not in present)
                message["headers"] = headers
            await send(message)

        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # Answer here rather than in Starlette's outer error middleware, so a
            # 500 also carries the request id and security headers.
            log.exception("unhandled_error", route=route_template(scope))
            if started:
                raise
            status = 500
            await _send_500(send_wrapper, request_id, exc if self.debug else None)
        finally:
            metrics.IN_FLIGHT.dec()
            duration = time.perf_counter() - start
            method = scope["method"]
            route = route_template(scope)
            key = (method, route, status)
            children = self._children.get(key)
            if children is None:
                labels: dict[str, Any] = {"method": method, "route": route, "status": str(status)}
                children = metrics.REQUESTS.labels(**labels), metrics.LATENCY.labels(**labels)
                if len(self._children) < 4096:  # route templates: a bounded set anyway
                    self._children[key] = children
            children[0].inc()
            children[1].observe(duration)
            log_access(request_id, method, route, status, round(duration * 1000, 2))


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None


async def _send_500(send: Send, request_id: str, exc: Exception | None) -> None:
    detail = f"{type(exc).__name__}: {exc}" if exc else "An unexpected error occurred."
    body = json.dumps(
        {
            "type": TYPE_BASE + "internal-error",
            "title": "Internal server error",
            "status": 500,
            "detail": detail,
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
