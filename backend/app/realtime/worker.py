"""The Gunicorn worker class (``gunicorn.conf.py``): Uvicorn's, without
permessage-deflate, and with WebSocket messages capped at ``WS_MAX_MESSAGE_BYTES``
(Uvicorn allows 16 MiB: a client could make the worker buffer that much per
message; over the cap the server closes the socket with 1009 while reading).

Uvicorn offers the WebSocket compression extension by default and browsers accept it;
each socket then has its own compressor, so every frame of a broadcast is compressed
once per socket: the stream's "serialise once, send the same bytes to everyone" becomes
one deflate per socket per version, on both ends. The messages are a few kilobytes of
JSON at a human pace, so the bandwidth saved is not worth that CPU.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as _UvicornWorker

from app.config import get_settings


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]  # untyped base
    CONFIG_KWARGS: dict[str, Any] = {
        **_UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config.ws_max_size = get_settings().ws_max_message_bytes
