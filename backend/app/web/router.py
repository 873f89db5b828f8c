"""Serves the front end's pages and assets; no build step, nothing rendered here.

The pages are the same bytes for everyone, so they are read once. The
Content-Security-Policy allows only this origin: scripts and styles from
``/static``, fetches and WebSockets back to the page's own host. Nothing inline,
so an injected ``<script>`` or ``style=""`` in some name is inert.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"

PAGE_CACHE = "no-store"
# Short, so a deploy shows up within minutes; ETag/Last-Modified make revalidation cheap.
ASSET_CACHE = "public, max-age=300"

# A Host header is echoed into the policy only if it looks like host[:port].
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    # 'self' covers ws(s) to the same host in current browsers; the explicit
    # sources keep older ones working.
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "manifest-src 'self'",
            f"connect-src 'self'{sockets}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        )
    )


class Assets(StaticFiles):
    """Static files with a short public cache lifetime."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE
        return response


@cache
def _page(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def _html(name: str, request: Request) -> Response:
    return Response(
        _page(name),
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": PAGE_CACHE,
            "Content-Security-Policy": content_security_policy(request.headers.get("host")),
        },
    )


router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
async def console(request: Request) -> Response:
    """The DM console."""
    return _html("index.html", request)


@router.api_route("/play/{token}", methods=["GET", "HEAD"])
async def player_view(token: str, request: Request) -> Response:
    """The player view; the page reads its token from the address."""
    return _html("play.html", request)


router.mount("/static", Assets(directory=STATIC_DIR, check_dir=False), name="static")
