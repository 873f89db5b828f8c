"""The Gunicorn worker class (``gunicorn.conf.py``): Uvicorn's, without
permessage-deflate.

Uvicorn offers the WebSocket compression extension by default and browsers accept it;
each socket then has its own compressor, so every frame of a broadcast is compressed
once per socket: the stream's "serialise once, send the same bytes to everyone" becomes
one deflate per socket per version, on both ends. The messages are a few kilobytes of
JSON at a human pace, so the bandwidth saved is not worth that CPU.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as _UvicornWorker


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]  # untyped base
    CONFIG_KWARGS: dict[str, Any] = {
        **_UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
    }
