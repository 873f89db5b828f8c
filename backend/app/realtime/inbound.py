"""What a client may send on a live stream: messages of bounded size, at a bounded rate.

Clients have almost nothing to say on these sockets, so a client that sends a lot is
broken or hostile; it is closed rather than served. The server itself refuses a
message over ``WS_MAX_MESSAGE_BYTES`` while reading it (Uvicorn's ``ws_max_size``,
set by :mod:`app.realtime.worker`: close 1009); :class:`InboundLimit` applies the same
size to what reaches the app (any server) and rates messages with a token bucket per
socket: ``WS_MESSAGE_BURST`` at once, then ``WS_MESSAGES_PER_SECOND`` (close 1008).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import Message

from app.config import Settings

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


class InboundLimit:
    """One socket's allowance. :meth:`admit` answers None (fine) or the close code
    and reason the socket gets."""

    def __init__(
        self,
        *,
        max_bytes: int,
        per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    @classmethod
    def from_settings(cls, settings: Settings) -> InboundLimit:
        return cls(
            max_bytes=settings.ws_max_message_bytes,
            per_second=settings.ws_messages_per_second,
            burst=settings.ws_message_burst,
        )

    def admit(self, message: Message) -> tuple[int, str] | None:
        text = message.get("text")
        data = message.get("bytes")
        size = len(data) if data is not None else 0
        if text is not None:  # a UTF-8 byte is at most 4 per character: count only if close
            size = len(text) if len(text) * 4 <= self.max_bytes else len(text.encode())
        if size > self.max_bytes:
            return CLOSE_TOO_BIG, "message too big"
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.per_second)
        self._at = now
        if self._tokens < 1:
            return CLOSE_POLICY, "too many messages"
        self._tokens -= 1
        return None
