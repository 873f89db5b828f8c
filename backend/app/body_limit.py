"""A ceiling on request bodies, enforced before the body is read.

Without it a client with no account could post 50 MB of JSON to ``/api/dice/roll``
and the worker would read and parse all of it (seconds of CPU, over a gigabyte of
memory) while everyone else waited. :class:`BodyLimitMiddleware` is plain ASGI and
costs one header scan per request:

- a declared ``Content-Length`` over the limit is answered 413 at once, without a
  single byte of the body read (the server's own flow control keeps at most a socket
  buffer of it in memory);
- a chunked body (no length) is counted as the app reads it, and refused (413) the
  moment the count passes the limit, so at most one chunk beyond it is ever held;
- a body within its declared length needs nothing: the HTTP framing bounds it.

Each refusal is ``application/problem+json`` with ``Connection: close``, so the
server drops the rest of the upload instead of reading it to find the next request.

The limit is ``MAX_BODY_BYTES`` (64 KiB by default: the largest legitimate body,
a homebrew stat block, is a few kilobytes), and ``MAX_IMPORT_BODY_BYTES`` (2 MiB)
for the import routes, :data:`IMPORT_ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge
from app.problems import problem_response

# The routes that take whole documents from other tools: the larger limit.
IMPORT_ROUTES = (
    "/api/statblocks/import",
    "/api/campaigns/{campaign_id}/encounters/import",
)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a chunked body passes the limit. An
    ``HTTPException``, so FastAPI lets it through its body parsing (anything else it
    would turn into a 400) and the app's handler renders it as problem+json."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=_detail(limit), headers={"Connection": "close"})


def _detail(limit: int) -> str:
    return f"The request body is larger than this endpoint's limit of {limit} bytes."


def _template_regex(templates: Iterable[str]) -> re.Pattern[str]:
    parts = [re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) for t in templates]
    return re.compile("|".join(parts))


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        import_limit: int,
        import_routes: Iterable[str] = IMPORT_ROUTES,
    ) -> None:
        self.app = app
        self.limit = limit
        self.import_limit = import_limit
        self._imports = _template_regex(import_routes)

    def limit_for(self, path: str) -> int:
        if path.endswith("/import") and self._imports.fullmatch(path):
            return self.import_limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            await self.app(scope, receive, send)  # no body at all
            return
        limit = self.limit_for(scope["path"])
        if declared is not None and not chunked:
            # (The server refuses a length that is not a number before we get here.)
            if declared.isdigit() and int(declared) > limit:
                await self._refuse(scope, receive, send, limit)
            else:
                await self.app(scope, receive, send)
            return

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(_detail(limit), headers={"Connection": "close"})
        request_id = scope.get("state", {}).get("request_id")
        response = problem_response(error, scope["path"], request_id)
        await response(scope, receive, send)
